"""E-prescriptions: written by a prescriber, signed, verified and dispensed by a pharmacist."""
