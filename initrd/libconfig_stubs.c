/* libconfig_stubs.c - stand-ins for the libconfig calls in libusbgx's unused scheme import/export. */
#include <stdio.h>

/*
 * libusbgx's scheme import and export (usbg_export_*, usbg_import_*), which
 * the agent never calls, sit in the same object as usbg_create_gadget and
 * reference libconfig. These failing stand-ins satisfy those references so
 * the static link leaves libconfig and the locale and scanf code it pulls
 * in (37 KiB) out of the agent; only the static agent links this file.
 */
struct config_t;
struct config_setting_t;
void config_init(struct config_t *c);
void config_destroy(struct config_t *c);
int config_read(struct config_t *c, FILE *f);
void config_write(const struct config_t *c, FILE *f);
struct config_setting_t *config_setting_add(struct config_setting_t *p, const char *name, int type);
struct config_setting_t *config_setting_get_member(const struct config_setting_t *s, const char *n);
struct config_setting_t *config_setting_get_elem(const struct config_setting_t *s, unsigned i);
int config_setting_length(const struct config_setting_t *s);
int config_setting_get_bool(const struct config_setting_t *s);
int config_setting_get_int(const struct config_setting_t *s);
const char *config_setting_get_string(const struct config_setting_t *s);
int config_setting_set_bool(struct config_setting_t *s, int v);
int config_setting_set_int(struct config_setting_t *s, int v);
int config_setting_set_string(struct config_setting_t *s, const char *v);
int config_setting_set_format(struct config_setting_t *s, short f);

void config_init(struct config_t *c) { (void)c; }
void config_destroy(struct config_t *c) { (void)c; }
int config_read(struct config_t *c, FILE *f) { (void)c; (void)f; return 0; }
void config_write(const struct config_t *c, FILE *f) { (void)c; (void)f; }
struct config_setting_t *config_setting_add(struct config_setting_t *p, const char *name, int type)
{
	(void)p; (void)name; (void)type;
	return NULL;
}
struct config_setting_t *config_setting_get_member(const struct config_setting_t *s, const char *n)
{
	(void)s; (void)n;
	return NULL;
}
struct config_setting_t *config_setting_get_elem(const struct config_setting_t *s, unsigned i)
{
	(void)s; (void)i;
	return NULL;
}
int config_setting_length(const struct config_setting_t *s) { (void)s; return 0; }
int config_setting_get_bool(const struct config_setting_t *s) { (void)s; return 0; }
int config_setting_get_int(const struct config_setting_t *s) { (void)s; return 0; }
const char *config_setting_get_string(const struct config_setting_t *s) { (void)s; return NULL; }
int config_setting_set_bool(struct config_setting_t *s, int v) { (void)s; (void)v; return 0; }
int config_setting_set_int(struct config_setting_t *s, int v) { (void)s; (void)v; return 0; }
int config_setting_set_string(struct config_setting_t *s, const char *v) { (void)s; (void)v; return 0; }
int config_setting_set_format(struct config_setting_t *s, short f) { (void)s; (void)f; return 0; }
