# make deb: the Debian package build/deb/apivideo-watch_<version>_<arch>.deb, built by
# dpkg-buildpackage from debian/ (lintian then checks it; LINTIAN=no skips that).
#
# dpkg-buildpackage writes its outputs into the parent folder of the sources it builds,
# so it builds a staged copy of them in build/deb/src/: everything lands in build/deb/,
# nothing beside the checkout. The copy carries the pinned player scripts in player/
# (tools/stage-player), as debian/rules expects them.

DEB_DIR     := build/deb
DEB_ARCH     = $(shell dpkg --print-architecture)
DEB_FILE     = $(DEB_DIR)/apivideo-watch_$(VERSION)_$(DEB_ARCH).deb
LINTIAN     ?= yes

.PHONY: deb deb-build

deb: deps
	$(Q)$(MAKE) --no-print-directory deb-build

# Without deps: make test installs them first, then builds this beside the tests.
deb-build:
	$(call say,DEB,$(DEB_FILE))
	$(Q)set -e; \
	rm -rf $(DEB_DIR); mkdir -p $(DEB_DIR)/src; \
	tar -c --exclude=./.git --exclude=./build --exclude='./build-*' --exclude=./node_modules \
	    --exclude=./player . | tar -x -C $(DEB_DIR)/src; \
	tools/stage-player $(DEB_DIR)/src/player; \
	if ! (cd $(DEB_DIR)/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	          dpkg-buildpackage -b -us -uc -Jauto) >$(DEB_DIR)/build.log 2>&1; then \
	    tail -n 30 $(DEB_DIR)/build.log >&2; \
	    echo "make deb: dpkg-buildpackage failed (all of it: $(DEB_DIR)/build.log)" >&2; exit 1; \
	fi; \
	test -f $(DEB_FILE)
	$(Q)if [ "$(LINTIAN)" != no ]; then \
	    lintian --fail-on error,warning --info $(DEB_FILE); \
	fi
