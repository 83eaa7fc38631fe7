"""Evaluation of the opened bids by the drawn committee (issue 15): methods as data, scores."""
