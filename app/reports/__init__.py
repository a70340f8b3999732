"""Report intake: photo uploads, reports, the processing job, routing and duplicates."""
