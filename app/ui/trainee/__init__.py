"""The trainee's screens: start, call and debrief."""
