"""Cases (案卷): the work items staff triage, dispatch, verify and close, and their deadlines."""
