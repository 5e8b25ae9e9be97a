"""Live drills: devices, capture, playback, live speech, the partner."""
