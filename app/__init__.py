"""SalesFit: a self-hosted hiring and assessment platform for sales roles."""
