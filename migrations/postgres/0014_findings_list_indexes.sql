-- Findings lists at scale (issue 13, docs/perf.md "Governance"): every list is ordered by due date, and a
-- status filter is a list of statuses (`open` = four of them), which an index led by the status cannot
-- return in due-date order — 100,000 findings meant sorting every open one for a page of 50. These indexes
-- walk the workspace (or one assignee's, or one tenant's findings) in due-date order and stop after the page;
-- the severity index answers the capped count of a severity filter without reading the table. (Without the
-- tenant one, SQLite walked the whole workspace in due-date order for a tenant filter: 140 ms.)
CREATE INDEX findings_workspace_due_idx ON findings (workspace_id, due_at, id);
CREATE INDEX findings_assignee_due_idx ON findings (workspace_id, assignee_user_id, due_at, id);
CREATE INDEX findings_tenant_due_idx ON findings (tenant_id, due_at, id);
CREATE INDEX findings_workspace_severity_idx ON findings (workspace_id, severity, status, due_at, id);
