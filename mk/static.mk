# make static: build/static/apivideo-watch, one executable that needs no shared library, for
# the shared hosts that run CGI programs but have none of Debian's libraries (README,
# "Shared hosting"); make dist: the archive a hosting customer unpacks and uploads.
#
#   make static    installs what it needs (tools/deps/static.txt; as root), then links the
#                  objects of `make` with static archives into build/static/apivideo-watch
#   make dist      build/dist/apivideo-watch-<version>-linux-x86_64.tar.gz and its .sha256
#
# Debian's static archives where they fit (libssl.a, libcrypto.a, liblmdb.a, libhiredis.a, libcares.a,
# libnghttp2.a, glibc's libc.a and libstdc++.a); libcurl built from Debian's source package,
# pinned below, because Debian's libcurl.a wants LDAP, GSS-API, RTMP, SSH, PSL, IDN, zstd and
# brotli, several of which ship no static archive. Everything it fetches and builds stays in
# build/static/; a second `make static` builds nothing it built before.

STATIC_DIR := build/static
STATIC_BIN := $(STATIC_DIR)/apivideo-watch

# Debian's curl source package, pinned by its version and the SHA-256 of its .dsc (which
# holds the checksums of the tarballs). Debian's security archive keeps only its latest
# version: when it moves on, make static stops and lists the versions there are; pin one
# (`sha256sum` of its .dsc, which tools/debian-source leaves in DIR/download) and its
# version in the README's table.
CURL_DEB_VERSION    := 7.88.1-10+deb12u15
CURL_DEB_DSC_SHA256 := 2744f12e3aef161c0361743fa1b318296b122e566e47f381e4a63320fbcc23f4
CURL_DIR := $(STATIC_DIR)/curl-$(CURL_DEB_VERSION)
CURL_LIB := $(CURL_DIR)/build/lib/.libs/libcurl.a

# HTTP and HTTPS only (the handler allows no other protocol, common/http_client.cpp), over
# OpenSSL, with HTTP/2 (nghttp2) as Debian's libcurl has it, and c-ares to resolve names:
# glibc's getaddrinfo would load the NSS modules a host's nsswitch.conf names, built for the
# host's glibc, into this static process; c-ares reads /etc/hosts and /etc/resolv.conf
# itself (README, "Shared hosting"). No content decoding (the handler asks for none), no IDN
# or PSL; no CA path compiled in (the handler's own trust, HttpGlobal::Trust, replaces
# libcurl's). No openssl.cnf read: the one a host may have at this OpenSSL's path
# (/usr/lib/ssl) was written for the host's own OpenSSL, and reading it cost a CGI page 1.7
# million instructions (bench/results.md).
CURL_CONFIGURE := --disable-shared --enable-static --disable-dependency-tracking \
    --with-openssl --with-nghttp2 --enable-ares \
    --disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp --disable-dict \
    --disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smb --disable-smtp \
    --disable-gopher --disable-mqtt --disable-manual --disable-ntlm-wb \
    --without-zlib --without-brotli --without-zstd --without-libidn2 --without-libpsl \
    --without-librtmp --without-libssh2 --without-libssh --without-gssapi \
    --without-ca-bundle --without-ca-path --without-ca-fallback --disable-openssl-auto-load-config
# The archives this libcurl itself needs, in link order.
CURL_STATIC_DEPS := -lnghttp2 -lcares

# The static link's libraries: the dynamic build's LIBS (the Makefile) with -lcurl replaced by
# the libcurl built here and what it needs. A library added to LIBS is linked from its
# Debian static archive here too (issue 19's liblmdb.a and libhiredis.a: one line, in LIBS).
STATIC_LIBS = $(patsubst -lcurl,$(CURL_LIB) $(CURL_STATIC_DEPS),$(LIBS))

.PHONY: static static-build dist dist-build

static: deps
	$(Q)$(MAKE) --no-print-directory static-build

# Without deps: make test installs them first, then builds this beside the tests.
static-build:
	$(Q)if [ -n "$(SANITIZE)" ]; then echo "make static: not with SANITIZE (its runtimes are shared libraries)" >&2; exit 1; fi
	$(Q)$(MAKE) --no-print-directory $(STATIC_BIN) $(STATIC_DIR)/VERSIONS

# The sources as Debian's OpenSSL flavour of libcurl builds them: every patch of the series
# but the last two (GnuTLS and NSS), which debian/rules pops. The release's own configure is
# used: the Debian patches that touch configure.ac concern LDAP and GSS-API, both left out.
$(CURL_DIR)/debian/src/.patched: tools/debian-source
	$(call say,FETCH,curl-$(CURL_DEB_VERSION))
	$(Q)tools/debian-source curl $(CURL_DEB_VERSION) $(CURL_DEB_DSC_SHA256) $(CURL_DIR)/debian
	$(Q)set -e; cd $(CURL_DIR)/debian/src; \
	last_two=$$(sed -e 's/#.*//' -e '/^[[:space:]]*$$/d' debian/patches/series | tail -n 2); \
	case "$$last_two" in *gnutls*nss*) ;; *) echo "make static: the series no longer ends with the GnuTLS and NSS patches" >&2; exit 1;; esac; \
	for p in $$(echo "$$last_two" | tac); do patch -R -p1 -s < "debian/patches/$$p"; done; \
	touch .patched

# Reconfigured when the options change (the options file only changes when they do).
$(CURL_DIR)/configure-options: FORCE
	$(Q)mkdir -p $(@D) && echo '$(CURL_CONFIGURE)' | cmp -s - $@ || echo '$(CURL_CONFIGURE)' > $@

$(CURL_DIR)/build/Makefile: $(CURL_DIR)/debian/src/.patched $(CURL_DIR)/configure-options
	$(call say,CONFIG,curl-$(CURL_DEB_VERSION))
	$(Q)set -e; rm -rf $(@D); mkdir -p $(@D); cd $(@D); \
	if ! ../debian/src/configure $(CURL_CONFIGURE) CFLAGS='-O2' > configure.log 2>&1; then \
	    tail -n 30 configure.log >&2; echo "make static: curl's configure failed (all of it: $(@D)/configure.log)" >&2; exit 1; \
	fi

# On every core even when make was started without -j (make test, CI): libcurl is most of a
# first make static.
$(CURL_LIB): $(CURL_DIR)/build/Makefile
	$(call say,MAKE,curl-$(CURL_DEB_VERSION))
	$(Q)if ! $(MAKE) -j$$(nproc) -C $(CURL_DIR)/build/lib > $(CURL_DIR)/build/make.log 2>&1; then \
	    tail -n 30 $(CURL_DIR)/build/make.log >&2; echo "make static: building libcurl failed (all of it: $(CURL_DIR)/build/make.log)" >&2; exit 1; \
	fi

.PHONY: FORCE
FORCE:

# The CA certificates built in (common/ca_bundle.h): Debian's ca-certificates as installed,
# made again when the package is (its file list changes with it).
STATIC_GEN      := $(STATIC_DIR)/gen
CA_PACKAGE_LIST := $(wildcard /var/lib/dpkg/info/ca-certificates.list)

$(STATIC_GEN)/ca_bundle.cpp: tools/embed-ca-bundle $(CA_PACKAGE_LIST)
	$(call say,GEN,$@)
	$(Q)mkdir -p $(@D) && tools/embed-ca-bundle > $@.tmp && mv $@.tmp $@

$(STATIC_GEN)/ca_bundle.o: $(STATIC_GEN)/ca_bundle.cpp common/ca_bundle.h
	$(call say,CXX,$<)
	$(Q)$(CXX) $(ALL_CPPFLAGS) $(ALL_CXXFLAGS) -c -o $@ $<

# The objects of `make` (built against Debian's libcurl headers of the same release as the
# libcurl built here), linked with -static: no shared library and no dynamic loader, nothing
# to relocate at start (bench/results.md). -static-pie would keep the binary's own address
# randomised at the cost of its relocations; `make static STATIC_LINK=-static-pie` makes one.
# The generated bundle comes first: the linker then never takes libwatch.a's
# common/ca_bundle.o, which has none. The debug information goes to a file of its own
# beside the binary (for perf and gdb), which keeps the binary small to upload.
STATIC_LINK ?= -static
STATIC_OBJ  := $(STATIC_GEN)/ca_bundle.o $(BUILD)/handler/main.o $(BUILD)/libadapters.a $(BUILD)/libwatch.a
# glibc warns about each function linked that may load NSS modules (or other shared
# objects) at run time. These are linked but never reached: dlopen (libcrypto's engines), getpwuid_r (libcurl's .netrc),
# getaddrinfo (libcrypto's BIO_lookup; hiredis for a Redis host given by name, where glibc
# answers from /etc/hosts and DNS itself: give WATCH_STORE an address to be sure),
# gethostbyname (none today: kept for an archive that asks for it),
# getservbyname and getservbyport_r (c-ares for a service name; libcurl gives numbers). Any
# other fails the build: it could be a lookup that loads a host's module.
STATIC_NSS_OK := dlopen getpwuid_r getaddrinfo gethostbyname getservbyname getservbyport_r

$(STATIC_BIN): $(STATIC_OBJ) $(CURL_LIB) mk/static.mk
	$(call say,LINK,$@)
	$(Q)$(CXX) $(ALL_CXXFLAGS) $(LDFLAGS) $(STATIC_LINK) -o $@ $(STATIC_OBJ) $(STATIC_LIBS) 2> $@.link.log || \
	    { cat $@.link.log >&2; exit 1; }
	$(Q)for f in $$(sed -n "s/.*warning: Using '\([a-z_]*\)' in statically linked.*/\1/p" $@.link.log); do \
	    case " $(STATIC_NSS_OK) " in *" $$f "*) ;; *) \
	        echo "make static: $$f is linked and needs glibc's NSS modules at run time (see $@.link.log)" >&2; \
	        rm -f $@; exit 1;; \
	    esac; \
	done
	$(Q)objcopy --only-keep-debug $@ $@.debug && objcopy --strip-debug --add-gnu-debuglink=$@.debug $@

# What went into the binary, for a reader to check: libcurl's source package, then the Debian
# package and version of every static archive linked and of the CA certificates built in.
STATIC_ARCHIVES = $(patsubst -l%,lib%.a,$(filter -l%,$(STATIC_LIBS))) libstdc++.a libc.a

$(STATIC_DIR)/VERSIONS: $(STATIC_BIN)
	$(call say,GEN,$@)
	$(Q)set -e; { \
	    echo "curl $(CURL_DEB_VERSION) (source package, built by mk/static.mk: libcurl.a)"; \
	    for a in $(STATIC_ARCHIVES); do \
	        path=$$(realpath "$$($(CXX) -print-file-name=$$a)"); \
	        dpkg-query -W -f '$${Package} $${Version}' "$$(dpkg -S "$$path" | cut -d: -f1)"; echo " ($$a)"; \
	    done; \
	    dpkg-query -W -f '$${Package} $${Version} (the CA certificates built in)\n' ca-certificates; \
	} > $@.tmp && mv $@.tmp $@

# make dist: what a hosting customer downloads (README, "Shared hosting"): the static binary
# as apivideo-watch.cgi beside the .htaccess that runs it, in upload/, the folder that goes
# into the site as it is; the templates (a start for WATCH_TEMPLATE_DIR), the pinned player
# scripts (to serve them from the site), the README, VERSIONS (what the binary was built
# from), SHA256SUMS of all of it inside, and the archive's own SHA-256 beside it. Same sources, same archive: names sorted, owners and
# times fixed (the commit's time).
DIST_NAME := apivideo-watch-$(VERSION)-linux-x86_64
DIST_DIR  := build/dist
DIST_TAR  := $(DIST_DIR)/$(DIST_NAME).tar.gz
DIST_TIME := $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

dist: deps
	$(Q)$(MAKE) --no-print-directory dist-build

dist-build: static-build
	$(call say,DIST,$(DIST_TAR))
	$(Q)set -e; stage=$(DIST_DIR)/$(DIST_NAME); rm -rf $(DIST_DIR); mkdir -p $$stage/upload $$stage/html; \
	install -m 0755 $(STATIC_BIN) $$stage/upload/apivideo-watch.cgi; \
	install -m 0644 examples/apache/htaccess $$stage/upload/.htaccess; \
	install -m 0644 $(TEMPLATES) $$stage/html/; \
	tools/stage-player $$stage/player; \
	install -m 0644 README.md $(STATIC_DIR)/VERSIONS $$stage/; \
	(cd $$stage && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | sed 's|^\./||' | xargs sha256sum > SHA256SUMS); \
	tar -C $(DIST_DIR) --sort=name --owner=0 --group=0 --numeric-owner --mtime=@$(DIST_TIME) \
	    -cf - $(DIST_NAME) | gzip -9n > $(DIST_TAR); \
	(cd $(DIST_DIR) && sha256sum $(DIST_NAME).tar.gz > $(DIST_NAME).tar.gz.sha256)
