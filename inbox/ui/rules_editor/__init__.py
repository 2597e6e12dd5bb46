"""The keyword rules editor: the Settings page (list, test box) and the add/edit dialog."""
