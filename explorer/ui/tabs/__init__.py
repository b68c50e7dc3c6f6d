"""The app's tabs: one module per tab, or a package with one module per section."""
