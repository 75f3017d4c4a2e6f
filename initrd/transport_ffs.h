/* transport_ffs.h - serve hosts on the USB device port through FunctionFS. */
#ifndef IFL_TRANSPORT_FFS_H
#define IFL_TRANSPORT_FFS_H

#include "gadget.h"
#include "listener.h"

/*
 * Build the gadget described by cfg, bind it to its UDC and wait for the
 * kernel to report the bind; (*out)->where is "usb:UDC". SIGINT and SIGTERM
 * then make accept return -ESHUTDOWN (after ending the running session);
 * close tears the gadget down. On failure a sentence for a person is in
 * err[cap] and a negative errno is returned.
 *
 * A session is one ENABLE of the interface. A host starts one by claiming
 * the interface and selecting alternate setting 0 (SET_INTERFACE; libusb:
 * libusb_set_interface_alt_setting), which also flushes anything left
 * queued by an earlier host; a reset or re-plug does the same. accept
 * returns when the host's first bytes arrive. The session ends when the
 * interface is disabled (cable pulled, UDC unbound, next SET_INTERFACE):
 * its reads and writes then fail with -EPIPE.
 *
 * On the wire: the host ends every OUT transfer whose length is a multiple
 * of the max packet size with a zero-length packet (libusb:
 * LIBUSB_TRANSFER_ADD_ZERO_PACKET), and so does the agent on IN; a
 * zero-length IN transfer is not an end of stream.
 */
int ifl_ffs_listen(const struct ifl_gadget_cfg *cfg, struct ifl_listener **out, char *err,
		   size_t cap);

#endif
