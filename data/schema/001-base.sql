-- 001-base.sql: the whole Managed Services Agreement as one schema.
--
-- Conventions (see DEVELOPERS.md):
--  * STRICT tables, foreign keys on, CHECK constraints for states and amounts.
--  * Money is INTEGER: *_cents in CAD cents, *_units8 in 10^-8 CAD (raw usage).
--  * Dates are TEXT 'YYYY-MM-DD' (office calendar days); instants are TEXT
--    ISO 8601 UTC 'YYYY-MM-DDTHH:MM:SSZ'.
--  * Every editable row has `version` (optimistic concurrency: updates say
--    WHERE id = ? AND version = ?) and who/when of its last change.
--  * Derived totals kept for paging speed (accounts.balance_cents,
--    invoices.paid_cents/credited_cents) are only ever changed by core in the
--    same transaction as the rows they summarise; `kenoconsole check`
--    recomputes and compares them.
--  * Nothing is deleted (TRM-7); the audit table is append-only (HIS-1).
-- This file runs inside one BEGIN IMMEDIATE transaction (db.c migrations).

CREATE TABLE staff (
	id INTEGER PRIMARY KEY,
	username TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 64),
	display_name TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL CHECK (role IN ('agent', 'billing', 'admin')),
	active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE TABLE accounts (
	id INTEGER PRIMARY KEY,
	number TEXT NOT NULL UNIQUE,                 -- 'K-000123', shown to customers
	holder TEXT NOT NULL CHECK (length(holder) BETWEEN 1 AND 200),   -- ACC-1: never changes
	company TEXT NOT NULL DEFAULT '',
	email TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
	phone TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '',
	city TEXT NOT NULL DEFAULT '',
	postal_code TEXT NOT NULL DEFAULT '',
	province TEXT NOT NULL CHECK (province IN
		('AB','BC','MB','NB','NL','NS','NT','NU','ON','PE','QC','SK','YT')),
	language TEXT NOT NULL DEFAULT 'fr' CHECK (language IN ('fr', 'en')),
	delivery TEXT NOT NULL DEFAULT 'email',      -- ACC-7: comma list of portal,email,mail
	kind TEXT NOT NULL DEFAULT 'business' CHECK (kind IN ('business', 'consumer')), -- ACC-12
	level TEXT NOT NULL CHECK (level IN ('basic', 'fully_administered')),          -- ACC-5
	term TEXT NOT NULL DEFAULT 'monthly' CHECK (term IN ('monthly', 'annual')),    -- ACC-6
	term_started TEXT CHECK (term_started IS NULL OR date(term_started) = term_started),
	next_term TEXT CHECK (next_term IS NULL OR next_term IN ('monthly', 'annual')), -- ACC-6 change at next anniversary
	voipms_client TEXT NOT NULL UNIQUE CHECK (length(voipms_client) BETWEEN 1 AND 32), -- ACC-2
	expected_usage_cents INTEGER NOT NULL DEFAULT 0 CHECK (expected_usage_cents >= 0), -- BIL-2
	status TEXT NOT NULL DEFAULT 'pending'
		CHECK (status IN ('pending', 'active', 'suspended', 'closed')),           -- ACC-3
	signed_on TEXT NOT NULL CHECK (date(signed_on) = signed_on),
	welcome_call TEXT CHECK (welcome_call IS NULL OR date(welcome_call) = welcome_call), -- ACC-4
	high_risk INTEGER NOT NULL DEFAULT 0 CHECK (high_risk IN (0, 1)),              -- ACC-11
	flagged_for_closure INTEGER NOT NULL DEFAULT 0 CHECK (flagged_for_closure IN (0, 1)), -- PAY-4
	closed_on TEXT,
	closure_reason TEXT CHECK (closure_reason IS NULL OR closure_reason IN
		('holder_request', 'law', 'terms_violation', 'insolvency', 'harm', 'complaints')), -- ACC-10
	reopen_barred INTEGER NOT NULL DEFAULT 0 CHECK (reopen_barred IN (0, 1)),
	balance_cents INTEGER NOT NULL DEFAULT 0,    -- invoiced - paid - credited (derived, see top)
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX accounts_holder ON accounts (holder COLLATE NOCASE, id);
CREATE INDEX accounts_company ON accounts (company COLLATE NOCASE, id);
CREATE INDEX accounts_status ON accounts (status, number);
CREATE INDEX accounts_email ON accounts (email COLLATE NOCASE);
CREATE INDEX accounts_balance ON accounts (balance_cents, id);

CREATE TABLE contacts (                           -- ACC-7: other contacts
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	role TEXT NOT NULL DEFAULT '',
	email TEXT NOT NULL DEFAULT '',
	phone TEXT NOT NULL DEFAULT '',
	removed_at TEXT,
	created_at TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX contacts_account ON contacts (account_id);

-- PRC-1: price history by effective date; the price of a date is the row
-- with the greatest effective_from <= that date.
CREATE TABLE service_prices (
	id INTEGER PRIMARY KEY,
	level TEXT NOT NULL CHECK (level IN ('basic', 'fully_administered')),
	effective_from TEXT NOT NULL CHECK (date(effective_from) = effective_from),
	monthly_cents INTEGER NOT NULL CHECK (monthly_cents >= 0),
	UNIQUE (level, effective_from)
) STRICT;

CREATE TABLE addons (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	name_en TEXT NOT NULL,
	name_fr TEXT NOT NULL,
	active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

CREATE TABLE addon_prices (
	id INTEGER PRIMARY KEY,
	addon_id INTEGER NOT NULL REFERENCES addons (id),
	effective_from TEXT NOT NULL CHECK (date(effective_from) = effective_from),
	monthly_cents INTEGER NOT NULL CHECK (monthly_cents >= 0),
	UNIQUE (addon_id, effective_from)
) STRICT;

CREATE TABLE account_addons (
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	addon_id INTEGER NOT NULL REFERENCES addons (id),
	started_on TEXT NOT NULL CHECK (date(started_on) = started_on),
	ended_on TEXT CHECK (ended_on IS NULL OR date(ended_on) = ended_on),
	version INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX account_addons_account ON account_addons (account_id);

-- ACC-8: never a full card number nor a security code.
CREATE TABLE payment_methods (
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	kind TEXT NOT NULL CHECK (kind IN ('visa', 'mastercard', 'cheque', 'wire')),
	last4 TEXT CHECK (last4 IS NULL OR (length(last4) = 4 AND last4 NOT GLOB '*[^0-9]*')),
	expiry TEXT CHECK (expiry IS NULL OR expiry GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'),
	token TEXT CHECK (token IS NULL OR length(token) <= 128),
	label TEXT NOT NULL DEFAULT '',
	is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
	removed_at TEXT,
	removed_reason TEXT,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,
	CHECK (kind IN ('cheque', 'wire') OR last4 IS NOT NULL)
) STRICT;
CREATE INDEX payment_methods_account ON payment_methods (account_id);

CREATE TABLE suspensions (                        -- ACC-9
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	reason TEXT NOT NULL CHECK (reason IN ('overdue', 'chargeback', 'reassessment', 'breach')),
	note TEXT NOT NULL DEFAULT '',
	started_at TEXT NOT NULL,
	started_by TEXT NOT NULL,
	ended_at TEXT,
	ended_by TEXT
) STRICT;
CREATE INDEX suspensions_account ON suspensions (account_id);

-- Gapless numbering (BIL-5): the counter row is updated in the same
-- transaction as the invoice it numbers.
CREATE TABLE sequences (
	name TEXT PRIMARY KEY,
	next_value INTEGER NOT NULL CHECK (next_value >= 1)
) STRICT;
INSERT INTO sequences (name, next_value) VALUES
	('invoice', 1), ('credit_note', 1), ('ticket', 1), ('account', 1);

CREATE TABLE invoices (
	id INTEGER PRIMARY KEY,
	number INTEGER NOT NULL UNIQUE,               -- BIL-5 sequential, never reused
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	kind TEXT NOT NULL CHECK (kind IN ('first', 'regular', 'final')),
	cycle_key TEXT NOT NULL,                      -- BIL-7: one invoice per (account, cycle)
	invoice_date TEXT NOT NULL CHECK (date(invoice_date) = invoice_date),
	period_start TEXT NOT NULL,
	period_end TEXT NOT NULL,
	province TEXT NOT NULL,
	language TEXT NOT NULL CHECK (language IN ('fr', 'en')),
	gst_number TEXT NOT NULL,
	qst_number TEXT NOT NULL,
	subtotal_cents INTEGER NOT NULL,
	tax_cents INTEGER NOT NULL,
	total_cents INTEGER NOT NULL,
	paid_cents INTEGER NOT NULL DEFAULT 0 CHECK (paid_cents >= 0),
	credited_cents INTEGER NOT NULL DEFAULT 0 CHECK (credited_cents >= 0),
	status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'credited')),
	issued_at TEXT NOT NULL,
	issued_by TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,
	CHECK (total_cents = subtotal_cents + tax_cents),
	UNIQUE (account_id, cycle_key)
) STRICT;
CREATE INDEX invoices_account ON invoices (account_id, invoice_date);
CREATE INDEX invoices_status ON invoices (status, invoice_date, number);
CREATE INDEX invoices_date ON invoices (invoice_date, number);

CREATE TABLE invoice_lines (                      -- BIL-3; immutable (BIL-5)
	id INTEGER PRIMARY KEY,
	invoice_id INTEGER NOT NULL REFERENCES invoices (id),
	position INTEGER NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN
		('first', 'support', 'addon', 'usage', 'usage_adjustment', 'consulting', 'fee', 'coupon', 'store_credit')),
	description TEXT NOT NULL,
	quantity_milli INTEGER NOT NULL DEFAULT 1000,
	unit_cents INTEGER NOT NULL,
	amount_cents INTEGER NOT NULL,
	taxable INTEGER NOT NULL DEFAULT 1 CHECK (taxable IN (0, 1)),
	UNIQUE (invoice_id, position)
) STRICT;

CREATE TABLE invoice_taxes (                      -- BIL-4: stored, never recomputed
	id INTEGER PRIMARY KEY,
	invoice_id INTEGER NOT NULL REFERENCES invoices (id),
	code TEXT NOT NULL CHECK (code IN ('GST', 'QST', 'HST')),
	rate_thousandths INTEGER NOT NULL CHECK (rate_thousandths >= 0),
	amount_cents INTEGER NOT NULL,
	UNIQUE (invoice_id, code)
) STRICT;

-- Immutability of issued invoices (BIL-5), enforced below the console too.
CREATE TRIGGER invoice_lines_immutable_u BEFORE UPDATE ON invoice_lines
BEGIN SELECT RAISE(ABORT, 'invoice lines are immutable (BIL-5)'); END;
CREATE TRIGGER invoice_lines_immutable_d BEFORE DELETE ON invoice_lines
BEGIN SELECT RAISE(ABORT, 'invoice lines are immutable (BIL-5)'); END;
CREATE TRIGGER invoice_taxes_immutable_u BEFORE UPDATE ON invoice_taxes
BEGIN SELECT RAISE(ABORT, 'invoice taxes are immutable (BIL-5)'); END;
CREATE TRIGGER invoice_taxes_immutable_d BEFORE DELETE ON invoice_taxes
BEGIN SELECT RAISE(ABORT, 'invoice taxes are immutable (BIL-5)'); END;
CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices
BEGIN SELECT RAISE(ABORT, 'invoices are never deleted (BIL-5)'); END;
CREATE TRIGGER invoices_amounts_immutable BEFORE UPDATE OF number, account_id,
	invoice_date, subtotal_cents, tax_cents, total_cents ON invoices
BEGIN SELECT RAISE(ABORT, 'issued invoices are immutable (BIL-5)'); END;

CREATE TABLE credit_notes (                       -- BIL-5 corrections
	id INTEGER PRIMARY KEY,
	number INTEGER NOT NULL UNIQUE,
	invoice_id INTEGER NOT NULL REFERENCES invoices (id),
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	issued_on TEXT NOT NULL CHECK (date(issued_on) = issued_on),
	subtotal_cents INTEGER NOT NULL CHECK (subtotal_cents > 0),
	tax_cents INTEGER NOT NULL CHECK (tax_cents >= 0),
	total_cents INTEGER NOT NULL,
	reason TEXT NOT NULL,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	CHECK (total_cents = subtotal_cents + tax_cents)
) STRICT;
CREATE INDEX credit_notes_account ON credit_notes (account_id);

CREATE TABLE payments (                           -- PAY-1, PAY-2
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	method TEXT NOT NULL CHECK (method IN ('visa', 'mastercard', 'cheque', 'wire')),
	amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),  -- CAD credited
	currency TEXT NOT NULL DEFAULT 'CAD' CHECK (length(currency) = 3),
	original_amount_cents INTEGER,               -- in `currency` when not CAD
	rate TEXT,                                   -- exact decimal text, CAD per unit
	received_on TEXT NOT NULL CHECK (date(received_on) = received_on),
	reference TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,
	CHECK (currency = 'CAD' OR (original_amount_cents IS NOT NULL AND rate IS NOT NULL))
) STRICT;
CREATE INDEX payments_account ON payments (account_id, received_on);

CREATE TABLE payment_allocations (
	id INTEGER PRIMARY KEY,
	payment_id INTEGER NOT NULL REFERENCES payments (id),
	invoice_id INTEGER NOT NULL REFERENCES invoices (id),
	amount_cents INTEGER NOT NULL CHECK (amount_cents > 0)
) STRICT;
CREATE INDEX payment_allocations_invoice ON payment_allocations (invoice_id);
CREATE INDEX payment_allocations_payment ON payment_allocations (payment_id);

CREATE TABLE store_credits (                      -- CRD-1..3
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	source TEXT NOT NULL CHECK (source IN ('overpayment', 'sla', 'refund', 'goodwill')),
	amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
	remaining_cents INTEGER NOT NULL CHECK (remaining_cents >= 0),
	issued_on TEXT NOT NULL CHECK (date(issued_on) = issued_on),
	expires_on TEXT NOT NULL CHECK (date(expires_on) = expires_on),
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'used', 'expired', 'forfeited')),
	note TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,
	CHECK (remaining_cents <= amount_cents)
) STRICT;
CREATE INDEX store_credits_account ON store_credits (account_id, issued_on);

CREATE TABLE credit_applications (
	id INTEGER PRIMARY KEY,
	credit_id INTEGER NOT NULL REFERENCES store_credits (id),
	invoice_id INTEGER NOT NULL REFERENCES invoices (id),
	amount_cents INTEGER NOT NULL CHECK (amount_cents > 0)
) STRICT;

CREATE TABLE refunds (                            -- PAY-5, PAY-7
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	payment_id INTEGER REFERENCES payments (id),
	method TEXT NOT NULL CHECK (method IN ('store_credit', 'paypal', 'cheque')),
	amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
	reason TEXT NOT NULL CHECK (reason IN ('discretionary', 'unauthorized')),
	note TEXT NOT NULL DEFAULT '',
	refunded_on TEXT NOT NULL,
	pay_by TEXT,                                  -- PAY-5: notification + 72 h (instant)
	created_by TEXT NOT NULL
) STRICT;
CREATE INDEX refunds_account ON refunds (account_id);

CREATE TABLE chargebacks (                        -- PAY-4
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	payment_id INTEGER NOT NULL REFERENCES payments (id),
	amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
	fee_cents INTEGER NOT NULL CHECK (fee_cents >= 0),
	received_on TEXT NOT NULL,
	ordinal INTEGER NOT NULL CHECK (ordinal >= 1),   -- 3rd flags closure
	created_by TEXT NOT NULL
) STRICT;
CREATE INDEX chargebacks_account ON chargebacks (account_id);

CREATE TABLE disputes (                           -- PAY-6
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	invoice_id INTEGER REFERENCES invoices (id),
	payment_id INTEGER REFERENCES payments (id),
	transaction_date TEXT NOT NULL,
	received_on TEXT NOT NULL,
	in_writing INTEGER NOT NULL DEFAULT 1 CHECK (in_writing IN (0, 1)),
	in_time INTEGER NOT NULL CHECK (in_time IN (0, 1)),
	description TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
	created_by TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX disputes_account ON disputes (account_id);

-- One-off charges waiting for the next invoice (BIL-3): chargeback fees,
-- wire fees (PAY-3), reassessments (PAY-4, PAY-5).
CREATE TABLE fees (
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	kind TEXT NOT NULL CHECK (kind IN ('chargeback_fee', 'wire_fee', 'reassessment', 'other')),
	amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
	taxable INTEGER NOT NULL DEFAULT 1 CHECK (taxable IN (0, 1)),
	description TEXT NOT NULL,
	charged_on TEXT NOT NULL,
	invoice_id INTEGER REFERENCES invoices (id),
	created_by TEXT NOT NULL
) STRICT;
CREATE INDEX fees_pending ON fees (account_id, invoice_id);

CREATE TABLE coupons (                            -- PRC-2
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	code TEXT NOT NULL,
	amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
	recurring INTEGER NOT NULL DEFAULT 0 CHECK (recurring IN (0, 1)),
	cycles_left INTEGER NOT NULL DEFAULT 1 CHECK (cycles_left >= 0),
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'used', 'ended', 'void')),
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX coupons_account ON coupons (account_id);

CREATE TABLE sync_runs (
	id INTEGER PRIMARY KEY,
	account_id INTEGER REFERENCES accounts (id),  -- NULL: a run over all accounts
	started_at TEXT NOT NULL,
	finished_at TEXT,
	staff TEXT NOT NULL,
	window_from TEXT,
	window_to TEXT,
	status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed', 'stopped')),
	windows INTEGER NOT NULL DEFAULT 0,
	calls_new INTEGER NOT NULL DEFAULT 0,
	calls_unchanged INTEGER NOT NULL DEFAULT 0,
	calls_changed INTEGER NOT NULL DEFAULT 0,
	amount_units8 INTEGER NOT NULL DEFAULT 0,
	error TEXT
) STRICT;
CREATE INDEX sync_runs_account ON sync_runs (account_id, started_at);

CREATE TABLE sync_watermarks (
	account_id INTEGER PRIMARY KEY REFERENCES accounts (id),
	synced_to TEXT NOT NULL CHECK (date(synced_to) = synced_to)
) STRICT;

CREATE TABLE usage_records (
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	client TEXT NOT NULL,
	uniqueid TEXT NOT NULL,
	started_at TEXT NOT NULL,                     -- UTC instant
	seconds INTEGER NOT NULL CHECK (seconds >= 0),
	cost_units8 INTEGER NOT NULL,
	destination TEXT NOT NULL DEFAULT '',
	callerid TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	disposition TEXT NOT NULL DEFAULT '',
	currency TEXT NOT NULL DEFAULT 'CAD',
	rate TEXT,                                    -- conversion rate used when not CAD
	sync_run_id INTEGER REFERENCES sync_runs (id),
	invoice_id INTEGER REFERENCES invoices (id),  -- set once invoiced; then frozen
	UNIQUE (client, uniqueid)
) STRICT;
CREATE INDEX usage_account_time ON usage_records (account_id, started_at);
CREATE INDEX usage_pending ON usage_records (account_id, invoice_id);

CREATE TABLE usage_adjustments (                  -- re-rated cost of an invoiced call
	id INTEGER PRIMARY KEY,
	usage_id INTEGER NOT NULL REFERENCES usage_records (id),
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	delta_units8 INTEGER NOT NULL,
	detected_at TEXT NOT NULL,
	invoice_id INTEGER REFERENCES invoices (id)
) STRICT;
CREATE INDEX usage_adjustments_pending ON usage_adjustments (account_id, invoice_id);

CREATE TABLE tickets (                            -- TKT-1..8
	id INTEGER PRIMARY KEY,
	number INTEGER NOT NULL UNIQUE,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	subject TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
	requested_priority TEXT NOT NULL CHECK (requested_priority IN ('emergency', 'urgent', 'standard')),
	priority TEXT NOT NULL CHECK (priority IN ('emergency', 'urgent', 'standard')),
	channel TEXT NOT NULL DEFAULT 'phone' CHECK (channel IN ('phone', 'email', 'portal', 'alarm')),
	category TEXT NOT NULL DEFAULT 'support' CHECK (category IN
		('support', 'maintenance', 'billing', 'consulting', 'third_party')),
	state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'open', 'waiting', 'resolved', 'closed')),
	assigned_to TEXT,
	received_at TEXT NOT NULL,                    -- UTC instant; the SLA clock starts here
	response_due TEXT NOT NULL,                   -- UTC instant (SLA-1, SLA-2)
	responded_at TEXT,
	maintenance_start TEXT,
	maintenance_end TEXT,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX tickets_queue ON tickets (state, response_due);
CREATE INDEX tickets_account ON tickets (account_id, received_at);

CREATE TABLE ticket_events (                      -- TKT-5 history
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets (id),
	at TEXT NOT NULL,
	staff TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN
		('created', 'reply', 'note', 'state', 'priority', 'assign', 'time', 'downgrade')),
	body TEXT NOT NULL DEFAULT '',
	old_value TEXT,
	new_value TEXT
) STRICT;
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, at);

CREATE TABLE time_entries (                       -- TKT-8
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets (id),
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	staff TEXT NOT NULL,
	minutes INTEGER NOT NULL CHECK (minutes > 0 AND minutes <= 24 * 60),
	worked_on TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	billable INTEGER NOT NULL DEFAULT 1 CHECK (billable IN (0, 1)),
	invoice_id INTEGER REFERENCES invoices (id)
) STRICT;
CREATE INDEX time_entries_pending ON time_entries (account_id, invoice_id);

CREATE TABLE sla_credit_requests (                -- SLA-4..6
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL UNIQUE REFERENCES tickets (id),
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	requested_on TEXT NOT NULL,
	incident_month TEXT NOT NULL,                 -- 'YYYY-MM' of the breach
	amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
	status TEXT NOT NULL CHECK (status IN ('granted', 'refused', 'pending', 'cancelled')),
	reason TEXT NOT NULL DEFAULT '',
	store_credit_id INTEGER REFERENCES store_credits (id),
	created_by TEXT NOT NULL
) STRICT;
CREATE INDEX sla_credit_account ON sla_credit_requests (account_id, incident_month);

CREATE TABLE termination_requests (               -- TRM-1..8
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	requested_by TEXT NOT NULL,
	from_holder INTEGER NOT NULL CHECK (from_holder IN (0, 1)),
	channel TEXT NOT NULL CHECK (channel IN ('portal', 'written')),
	requested_on TEXT NOT NULL,
	expedite INTEGER NOT NULL DEFAULT 0 CHECK (expedite IN (0, 1)),
	separation_only INTEGER NOT NULL DEFAULT 0 CHECK (separation_only IN (0, 1)),
	state TEXT NOT NULL CHECK (state IN ('refused', 'requested', 'denied', 'approved', 'scheduled',
		'service_ended', 'final_invoiced', 'transfer_requested', 'checklist_done',
		'transferred', 'closed')),
	decision_note TEXT NOT NULL DEFAULT '',
	scheduled_on TEXT,
	service_ended_on TEXT,
	final_invoice_id INTEGER REFERENCES invoices (id),
	transfer_requested_on TEXT,
	transfer_due TEXT,                            -- TRM-4: 10 business days
	transferred_on TEXT,
	closed_on TEXT,
	balance_at_closure_cents INTEGER,
	created_by TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX termination_state ON termination_requests (state, requested_on);
CREATE INDEX termination_account ON termination_requests (account_id);

CREATE TABLE termination_checklist (              -- TRM-5
	id INTEGER PRIMARY KEY,
	request_id INTEGER NOT NULL REFERENCES termination_requests (id),
	step TEXT NOT NULL CHECK (step IN ('remove_accounts', 'remove_groups', 'remove_roles',
		'remove_federations', 'transfer_credentials')),
	done_by TEXT NOT NULL,
	done_at TEXT NOT NULL,
	UNIQUE (request_id, step)
) STRICT;

CREATE TABLE reopenings (                         -- TRM-8
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	requested_by TEXT NOT NULL,
	identity_check TEXT NOT NULL CHECK (length(identity_check) >= 3),
	reopened_at TEXT NOT NULL,
	reopened_by TEXT NOT NULL
) STRICT;

-- HIS-1: append-only audit trail, written in the same transaction as the
-- change.  old/new are JSON objects of the changed columns.
CREATE TABLE audit (
	id INTEGER PRIMARY KEY,
	at TEXT NOT NULL,
	staff TEXT NOT NULL,
	entity TEXT NOT NULL,                         -- table name
	entity_id INTEGER NOT NULL,
	account_id INTEGER,                           -- for the account history (HIS-2)
	action TEXT NOT NULL,
	old_values TEXT,
	new_values TEXT
) STRICT;
CREATE INDEX audit_entity ON audit (entity, entity_id);
CREATE INDEX audit_account ON audit (account_id, id);
CREATE INDEX audit_staff ON audit (staff, at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only (HIS-1)'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only (HIS-1)'); END;

-- Default prices (PRC-1); changed by inserting a newer row, never by update.
INSERT INTO service_prices (level, effective_from, monthly_cents) VALUES
	('basic', '2000-01-01', 5000),
	('fully_administered', '2000-01-01', 15000);
INSERT INTO addons (code, name_en, name_fr) VALUES
	('did', 'Additional phone number', 'Numéro de téléphone additionnel'),
	('ivr', 'Auto attendant (IVR)', 'Réceptionniste automatique (RVI)'),
	('fax', 'Fax to email', 'Télécopie vers courriel'),
	('callrec', 'Call recording', 'Enregistrement des appels');
INSERT INTO addon_prices (addon_id, effective_from, monthly_cents)
	SELECT id, '2000-01-01', CASE code WHEN 'did' THEN 500 WHEN 'ivr' THEN 1500
		WHEN 'fax' THEN 800 ELSE 1000 END FROM addons;
