"""The refusal of a file (upload, attachment, preview): apart from sniff.py so that the image
checks (images.py), which sniff.py calls, can raise it without importing sniff.py back (an
import cycle otherwise). `sniff.Rejected` is the same class."""


class Rejected(ValueError):
    """A file refused, with the French message that tells the person what to do."""

    @property
    def message(self):
        return str(self.args[0])
