"""Reports drawn with Qt (PDF through QPdfWriter); the report text itself is plain HTML made
by `app.assessor.report`."""
