"""Emergency access ("bris de glace"): a professional opens a patient's space without consent."""
