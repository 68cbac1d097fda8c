"""The desktop app (PySide6). Qt lives only in this package (an import-linter contract).

`main.run_app` wires the app (`services.AppServices`) and opens `main_window.MainWindow`,
which moves between the trainee screens in `trainee/` (start, content note, call, debrief).
The screens are thin views: they call `app.services.CallSession` and render the events it
returns; background work goes through `workers.run_task`; the caller's voice through
`voice_controller.VoiceController`.
"""
