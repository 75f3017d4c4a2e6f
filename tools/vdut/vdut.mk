# Virtual DUT and initramfs recipes: Debian kernel + driver subset, initrd.cpio.gz, initrd-vdut.cpio.gz.
#
# Included by the top-level Makefile, or standalone:
#   make -f tools/vdut/vdut.mk BUILD=/tmp/b initrd
# Needs $(BUILD)/initflash-agent (static) for both images and $(BUILD)/initflash
# (host sender, dynamic) for the vdut image; it builds neither of them.

BUILD ?= build

# Where this fragment lives (must be read before any other include).
VDUT_MK   := $(lastword $(MAKEFILE_LIST))
VDUT_HERE := $(patsubst %/,%,$(dir $(VDUT_MK)))
VDUT_TOP  := $(VDUT_HERE)/../..
# Included, this fragment must not become the default goal of the includer.
VDUT_SAVED_GOAL := $(.DEFAULT_GOAL)

# Debian packages the virtual DUT needs on the build/test machine (for `make deps`).
VDUT_DEB_PACKAGES := qemu-system-x86 busybox-static cpio kmod xz-utils gzip grep coreutils

VDUT_DIR      := $(BUILD)/vdut
VDUT_VMLINUZ  := $(VDUT_DIR)/vmlinuz
VDUT_VMLINUX  := $(VDUT_DIR)/vmlinux
VDUT_MODROOT  := $(VDUT_DIR)/modules
VDUT_KSTAMP   := $(VDUT_MODROOT)/.stamp
VDUT_DEB      := $(VDUT_DIR)/linux-image.deb
VDUT_INITRD   := $(VDUT_DIR)/initrd-vdut.cpio.gz
INITRD        := $(BUILD)/initrd.cpio.gz

# Kernel meta package whose "Depends: linux-image-X.Y.Z-N-amd64" names the image
# package; or set VDUT_KERNEL_PKG to a package name to pin it.
VDUT_KERNEL_META ?= linux-image-amd64
VDUT_KERNEL_PKG  ?=

# Drivers the vdut needs (their dependencies are added from modules.dep).
VDUT_MODULES ?= configfs libcomposite usb_f_fs dummy_hcd \
	mtd mtdram nandsim mtdblock \
	nvme nvme-core mmc_core mmc_block sdhci sdhci-pci \
	xhci-pci xhci-hcd usb-storage sd_mod \
	virtio_net virtio_pci e1000 loop \
	crc64_rocksoft_generic crct10dif_generic

VDUT_BUSYBOX      ?= /bin/busybox
VDUT_OVERLAY      := $(VDUT_TOP)/rootfs-overlay
VDUT_OVERLAY_DEPS := $(shell find $(VDUT_OVERLAY) 2>/dev/null)
VDUT_INITRD_MAX   ?= 2097152
# All files in the images get this mtime (reproducible-ish archives).
SOURCE_DATE_EPOCH ?= 0

# $(call vdut_extract_vmlinux,BZIMAGE,OUT): the ELF inside the bzImage. QEMU boots
# it through PVH, skipping firmware and in-guest decompression (about 7 s under TCG).
# Leaves no OUT when the payload is not xz/zstd/gzip; the runner then uses BZIMAGE.
define vdut_extract_vmlinux
	rm -f $(2); \
	for fmt in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do \
		for off in $$(LC_ALL=C grep -obUaP "$${fmt#*:}" $(1) | cut -d: -f1 | head -n 3); do \
			case $${fmt%%:*} in \
			xz) tail -c +$$((off + 1)) $(1) | xz -dcq --single-stream > $(2).tmp 2>/dev/null ;; \
			zstd) tail -c +$$((off + 1)) $(1) | zstd -dcq > $(2).tmp 2>/dev/null ;; \
			gzip) tail -c +$$((off + 1)) $(1) | gzip -dcq > $(2).tmp 2>/dev/null ;; \
			esac; \
			if [ "$$(head -c 4 $(2).tmp 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; then \
				mv $(2).tmp $(2); break 2; \
			fi; \
		done; \
	done; \
	rm -f $(2).tmp; \
	if [ -f $(2) ]; then echo "vdut: extracted $(2) (PVH boot)"; \
	else echo "vdut: warning: no ELF vmlinux in $(1), booting the bzImage (slower)"; fi
endef

.PHONY: initrd vdut vdut-kernel vdut-deps vdut-smoke vdut-clean vdut-distclean vdut-print-deps

initrd: $(INITRD)
vdut: $(VDUT_VMLINUZ) $(VDUT_KSTAMP) $(VDUT_INITRD)
vdut-kernel: $(VDUT_VMLINUZ) $(VDUT_KSTAMP)

vdut-print-deps:
	@echo $(VDUT_DEB_PACKAGES)

vdut-deps:
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(VDUT_DEB_PACKAGES)

vdut-smoke: vdut
	BUILD=$(BUILD) $(VDUT_TOP)/tests/vm/smoke.sh

# Remove everything but the downloaded kernel package (the cache).
vdut-clean:
	rm -rf $(VDUT_MODROOT) $(VDUT_DIR)/x $(VDUT_DIR)/root $(VDUT_DIR)/kver \
		$(VDUT_DIR)/modules.list $(VDUT_DIR)/modules.deps $(VDUT_VMLINUZ) $(VDUT_VMLINUX) $(VDUT_INITRD) $(INITRD) $(BUILD)/initrd.root
vdut-distclean: vdut-clean
	rm -rf $(VDUT_DIR)

# --- kernel: download once, keep the .deb as the cache ----------------------

$(VDUT_DEB):
	@mkdir -p $(VDUT_DIR)
	@set -e; pkg='$(VDUT_KERNEL_PKG)'; \
	if [ -z "$$pkg" ]; then \
		pkg=$$(apt-cache depends $(VDUT_KERNEL_META) 2>/dev/null | \
			sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$$/\1/p' | head -n 1); \
	fi; \
	if [ -z "$$pkg" ]; then \
		echo "vdut: cannot resolve $(VDUT_KERNEL_META)'s image package (run apt-get update?)" >&2; exit 1; \
	fi; \
	rm -rf $(VDUT_DIR)/dl.tmp; mkdir -p $(VDUT_DIR)/dl.tmp; \
	echo "vdut: apt-get download $$pkg"; \
	(cd $(VDUT_DIR)/dl.tmp && apt-get download -q "$$pkg"); \
	mv $(VDUT_DIR)/dl.tmp/*.deb $@; rm -rf $(VDUT_DIR)/dl.tmp

# vmlinuz + the module subset (with deps), depmod'ed so BusyBox modprobe works.
# Debian 12 ships uncompressed .ko; .ko.xz/.ko.zst are unpacked if a newer one does not.
$(VDUT_KSTAMP): $(VDUT_DEB) $(VDUT_MK)
	@set -e; x=$(VDUT_DIR)/x; m=$(VDUT_MODROOT); \
	rm -rf $$x $$m; mkdir -p $$x; \
	dpkg-deb -x $(VDUT_DEB) $$x; \
	kver=$$(ls $$x/lib/modules | head -n 1); \
	[ -n "$$kver" ] && [ -f $$x/boot/vmlinuz-$$kver ]; \
	depmod -b $$x $$kver; \
	for mod in $(VDUT_MODULES); do \
		modprobe -d $$x -S $$kver --show-depends $$mod; \
	done > $(VDUT_DIR)/modules.deps; \
	sed -n 's/^insmod \([^ ]*\).*/\1/p' $(VDUT_DIR)/modules.deps | sort -u > $(VDUT_DIR)/modules.list; \
	mkdir -p $$m/lib/modules/$$kver; \
	while read -r f; do \
		rel=$${f#*/lib/modules/$$kver/}; \
		mkdir -p $$m/lib/modules/$$kver/$${rel%/*}; \
		case $$rel in \
		*.ko.xz) xz -dc $$f > $$m/lib/modules/$$kver/$${rel%.xz} ;; \
		*.ko.zst) zstd -qdc $$f > $$m/lib/modules/$$kver/$${rel%.zst} ;; \
		*.ko.gz) gzip -dc $$f > $$m/lib/modules/$$kver/$${rel%.gz} ;; \
		*) cp $$f $$m/lib/modules/$$kver/$$rel ;; \
		esac; \
	done < $(VDUT_DIR)/modules.list; \
	for f in modules.builtin modules.builtin.modinfo; do \
		cp $$x/lib/modules/$$kver/$$f $$m/lib/modules/$$kver/; \
	done; \
	(cd $$m/lib/modules/$$kver && find kernel -name '*.ko*') | sed 's/\.ko\..*/.ko/' | \
		grep -F -x -f - $$x/lib/modules/$$kver/modules.order > $$m/lib/modules/$$kver/modules.order || true; \
	depmod -b $$m $$kver; \
	cp $$x/boot/vmlinuz-$$kver $(VDUT_VMLINUZ); \
	$(call vdut_extract_vmlinux,$(VDUT_VMLINUZ),$(VDUT_VMLINUX)); \
	echo $$kver > $(VDUT_DIR)/kver; \
	rm -rf $$x; \
	echo "vdut: kernel $$kver, $$(wc -l < $(VDUT_DIR)/modules.list) modules"; \
	touch $@

$(VDUT_VMLINUZ) $(VDUT_VMLINUX) $(VDUT_MODROOT) $(VDUT_MODROOT)/: $(VDUT_KSTAMP)
	@test -f $(VDUT_VMLINUZ)

# --- initramfs images ------------------------------------------------------

# $(call vdut_stage,ROOT): busybox + applet links, the agent, the overlay.
define vdut_stage
	rm -rf $(1); \
	mkdir -p $(1)/bin $(1)/sbin $(1)/usr/bin $(1)/usr/sbin $(1)/dev $(1)/proc \
		$(1)/sys $(1)/tmp $(1)/run $(1)/mnt $(1)/root $(1)/etc $(1)/lib; \
	cp $(VDUT_BUSYBOX) $(1)/bin/busybox; \
	for a in $$($(VDUT_BUSYBOX) --list-full); do \
		case $$a in bin/busybox|linuxrc|*/init) continue ;; esac; \
		[ -e $(1)/$$a ] || ln -s /bin/busybox $(1)/$$a; \
	done; \
	cp $(BUILD)/initflash-agent $(1)/bin/initflash-agent; \
	chmod 755 $(1)/bin/initflash-agent; \
	cp -R $(VDUT_OVERLAY)/. $(1)/; \
	chmod 755 $(1)/init
endef

# $(call vdut_pack,ROOT,OUT): newc cpio, root-owned, fixed mtimes, gzip -9.
define vdut_pack
	chmod -R u+rwX,go+rX,go-w $(1); \
	find $(1) -exec touch -h -d @$(SOURCE_DATE_EPOCH) {} +; \
	(cd $(1) && find . -mindepth 1 | LC_ALL=C sort | \
		cpio -o -H newc --owner=0:0 --reproducible --quiet) | gzip -9 -n > $(2).tmp; \
	mv $(2).tmp $(2)
endef

$(INITRD): $(BUILD)/initflash-agent $(VDUT_OVERLAY_DEPS) $(VDUT_MK)
	@set -e; r=$(BUILD)/initrd.root; \
	$(call vdut_stage,$$r); \
	$(call vdut_pack,$$r,$@); \
	size=$$(wc -c < $@); \
	echo "vdut: $@ is $$size bytes (limit $(VDUT_INITRD_MAX))"; \
	if [ $$size -gt $(VDUT_INITRD_MAX) ]; then \
		echo "vdut: $@ exceeds $(VDUT_INITRD_MAX) bytes" >&2; rm -f $@; exit 1; \
	fi

# Same plus the modules, the host sender and its shared libraries (via ldd; none
# when it is static), at the paths the host's loader uses.
$(VDUT_INITRD): $(BUILD)/initflash-agent $(BUILD)/initflash $(VDUT_KSTAMP) $(VDUT_OVERLAY_DEPS) $(VDUT_MK)
	@set -e; r=$(VDUT_DIR)/root; \
	$(call vdut_stage,$$r); \
	cp -R $(VDUT_MODROOT)/lib/modules $$r/lib/; \
	cp $(BUILD)/initflash $$r/bin/initflash; chmod 755 $$r/bin/initflash; \
	libs=$$(ldd $(BUILD)/initflash 2>/dev/null | \
		awk '$$2 == "=>" && $$3 ~ /^\// {print $$3} $$1 ~ /^\// {print $$1}') || true; \
	for l in $$libs; do \
		mkdir -p $$r$${l%/*}; cp -L $$l $$r$$l; \
	done; \
	$(call vdut_pack,$$r,$@); \
	echo "vdut: $@ is $$(wc -c < $@) bytes"

ifneq ($(firstword $(MAKEFILE_LIST)),$(VDUT_MK))
.DEFAULT_GOAL := $(VDUT_SAVED_GOAL)
endif
