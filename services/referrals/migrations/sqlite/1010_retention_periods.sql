-- How long a referral is kept before its retention review, in months, by
-- where it ended; set by administrators.
CREATE TABLE retention_periods (
    id BIGINT PRIMARY KEY,
    open_months BIGINT NOT NULL,
    withdrawn_months BIGINT NOT NULL,
    support_completed_months BIGINT NOT NULL,
    partly_met_months BIGINT NOT NULL,
    disengaged_months BIGINT NOT NULL,
    escalated_months BIGINT NOT NULL,
    no_longer_needed_months BIGINT NOT NULL
);
INSERT INTO retention_periods (id, open_months, withdrawn_months, support_completed_months,
    partly_met_months, disengaged_months, escalated_months, no_longer_needed_months)
VALUES (1, 36, 12, 24, 36, 36, 72, 24);
