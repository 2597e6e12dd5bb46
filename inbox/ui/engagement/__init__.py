"""The Engagement window: polls, broadcasts, contests, surveys and CSAT (issue 9's desktop half)."""
