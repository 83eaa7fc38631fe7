"""ggzy platform core: settings, database, accounts, clock, calendar, jobs, web and CLI."""
