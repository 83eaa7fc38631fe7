"""Submission: sealed bids received before the deadline — the streamed upload and its structural
check, the signed receipt, replacement and withdrawal, and the log entries that keep who bid
secret until the deadline (``sealed_log``)."""
