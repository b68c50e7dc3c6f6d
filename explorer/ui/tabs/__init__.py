"""The app's tabs: one module per tab, or one package per tab with sections (its build in __init__)."""
