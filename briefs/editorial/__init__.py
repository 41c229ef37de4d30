"""The editorial workflow: roles and permissions (roles), recorded moves between states
(workflow), and the revisions of every save (revisions)."""
