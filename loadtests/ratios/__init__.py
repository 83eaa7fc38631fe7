"""`make bench`: the platform beside a bare sink and plain AES-GCM, as ratios (issue 17)."""
