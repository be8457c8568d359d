"""The pages, one module per part of the work: logging in, the desk's waiting list and
referrals, the national plan, capacity, the shelter's own page, the planner's scenarios and the
auditor's trail."""
