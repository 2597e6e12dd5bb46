"""The Engagement window: polls, broadcasts, contests, surveys and CSAT."""
