"""Supervision: metrics, the review queue, exports and data governance.

Every public function takes the actor's name and checks their role (inbox.store.agents) before it
reads anything, so the rules hold for the command line, the desktop and any future caller alike.
"""
