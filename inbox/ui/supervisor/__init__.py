"""The Supervisor view: metrics, charts, the review queue and exports."""
