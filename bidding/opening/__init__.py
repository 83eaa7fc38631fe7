"""Opening: from the deadline to the opening record — the closing (R-23, R-24), the custodians'
shares and the rebuilt opening key, the optional bidder-decrypts window, one decryption per bid,
the record and its notices, and the R-25 backup re-upload."""
