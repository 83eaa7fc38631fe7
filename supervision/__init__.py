"""The transparency log, checkpoints, alerts, the regulator portal and the offline verifier."""
