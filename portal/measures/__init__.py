"""Mesures: the patient's measurements (weight, blood pressure, HbA1c…), charts and targets."""
