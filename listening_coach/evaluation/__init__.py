"""Accuracy against references: ASR, diarization, role-play truth, language."""
