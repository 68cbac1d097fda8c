"""Instructor tools for scenario files, without Qt: the conversation graph, line lists for
voice actors, stable line ids (`callsim tag`), intent reports, the JSON Schema and the
template. The command line (`app/cli/studio_cmds.py`) and the future Qt studio both use them."""
