/* serial.h - the serial number the USB gadget reports to the host. */
#ifndef IFL_SERIAL_H
#define IFL_SERIAL_H

#include <stddef.h>

/*
 * Pick the gadget's serial number into out[cap] (cap >= 2): the one given
 * on the command line if any, else /proc/device-tree/serial-number, else
 * DMI product_serial, else DMI product_uuid, else "0". Placeholder values
 * ("Not Specified", all zeros, ...) are skipped; what is kept is printable
 * ASCII cut to 63 bytes. Returns where it came from, for the log
 * ("--serial", "device tree", "DMI serial", "DMI uuid", "default").
 */
const char *ifl_serial_pick(const char *given, char *out, size_t cap);

#endif
