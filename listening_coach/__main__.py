from listening_coach.cli import entry

entry()
