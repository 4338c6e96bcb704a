"""The forms every area shares: fields (`fields`) and base forms (`base`)."""
