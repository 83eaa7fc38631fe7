"""The command-line clients the platform ships (``Domain.cli_commands``): ``ggzy bid ...`` for
bidders (``bidder``) and ``ggzy custody ...`` for custodians (``custodian``); what both share is
``common``, and the check of a tender's opening key against the public record ``record_check``.
They run on the users' machines and talk to the JSON API; nothing here touches the database."""

from __future__ import annotations

import click

from bidding.cli.bidder import bid
from bidding.cli.custodian import custody_group

commands: list[click.Command] = [bid, custody_group]
