/* action.c: the action table and the one place prerequisites are checked. */
#include "config.h"

#include <strings.h>

#include "action.h"

static const struct action_def actions[ACTION_COUNT] = {
	[ACTION_NONE] = { ACTION_NONE, "none", "", "", ACT_NONE, STAFF_NONE },
#define ACTION_ROW(id, name, hint, help, flags, role) \
	[ACTION_##id] = { ACTION_##id, name, hint, help, flags, role },
	ACTION_LIST(ACTION_ROW)
#undef ACTION_ROW
};

const struct action_def *action_get(enum action_id id)
{
	if ((int)id <= ACTION_NONE || id >= ACTION_COUNT)
		return NULL;
	return &actions[id];
}

enum action_id action_by_name(const char *name)
{
	if (!name)
		return ACTION_NONE;
	for (int i = ACTION_NONE + 1; i < ACTION_COUNT; i++)
		if (strcasecmp(actions[i].name, name) == 0)
			return (enum action_id)i;
	return ACTION_NONE;
}

kc_status action_check(enum action_id id, const struct action_context *ctx, kc_error *err)
{
	const struct action_def *a = action_get(id);
	if (!a || !ctx)
		return kc_error_set(err, KC_ERR_INTERNAL, "%s", _("Unknown action"));
	if ((a->flags & ACT_WRITE) && ctx->read_only)
		return kc_error_set(err, KC_ERR_PERM, "%s", _("Read-only: changes are not allowed"));
	if ((a->flags & ACT_SELECTION) && !ctx->has_selection)
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("Nothing is selected"));
	/* Roles, here only (issue 8): a change needs an active staff member,
	 * and the row's role when it names one (admin may do everything). */
	if (ctx->db && (a->role != STAFF_NONE || (a->flags & ACT_WRITE)))
		return staff_require(ctx->db, a->role, err);
	return KC_OK;
}
