"""The assessor workspace: passphrase, session library, replay, marking, reports (Qt views over
app.assessor)."""
