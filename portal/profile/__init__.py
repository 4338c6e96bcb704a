"""Profil médical: the patient's health background, section by section (issue 3)."""
