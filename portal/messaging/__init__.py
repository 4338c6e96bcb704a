"""Secure messaging (messagerie sécurisée) between patients and their care team."""
