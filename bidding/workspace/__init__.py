"""The bidder's workspace (我的项目, issue 13): every tender the bidder took part in, in one place."""
