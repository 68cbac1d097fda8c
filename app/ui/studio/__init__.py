"""The instructor studio window (`callsim studio`): Qt views over `app.studio`."""
