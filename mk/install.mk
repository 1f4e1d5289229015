# make install / make uninstall, honouring PREFIX (default /usr/local) and DESTDIR (a
# staging root for packagers):
#
#   make install   [PREFIX=/usr] [DESTDIR=/tmp/stage]
#   make uninstall [PREFIX=/usr] [DESTDIR=/tmp/stage]   (the same values as install)
#
# installs the binary, the templates (a starting point for WATCH_TEMPLATE_DIR), the
# example configurations and the man page. uninstall removes exactly those files, then the
# folders install had to create, if they are empty by then: install records them in
# $(INSTALL_MANIFEST), so /usr/local/bin and the like, which were there before, stay.

DESTDIR ?=
INSTALL ?= install

INSTALL_BINDIR  = $(PREFIX)/bin
INSTALL_DATADIR = $(PREFIX)/share/apivideo-watch
INSTALL_DOCDIR  = $(PREFIX)/share/doc/apivideo-watch
INSTALL_MAN1DIR = $(PREFIX)/share/man/man1
INSTALL_MANIFEST = $(INSTALL_DATADIR)/installed-folders

EXAMPLE_FILES := $(sort $(shell find examples -type f 2>/dev/null))

# Every file install puts, as installed (without DESTDIR).
INSTALLED_FILES = $(INSTALL_BINDIR)/apivideo-watch \
                  $(TEMPLATES:html/%=$(INSTALL_DATADIR)/html/%) \
                  $(INSTALL_DOCDIR)/examples/nginx.conf.example \
                  $(EXAMPLE_FILES:examples/%=$(INSTALL_DOCDIR)/examples/%) \
                  $(INSTALL_MAN1DIR)/apivideo-watch.1 \
                  $(INSTALL_MANIFEST)
# The folders that hold them, and the project's own folders (uninstall tries these even
# without a manifest: nobody else puts files there).
INSTALL_DIRS = $(sort $(INSTALL_BINDIR) $(INSTALL_DATADIR)/html $(INSTALL_MAN1DIR) \
                      $(dir $(EXAMPLE_FILES:examples/%=$(INSTALL_DOCDIR)/examples/%)))
OWN_DIRS     = $(INSTALL_DATADIR) $(INSTALL_DATADIR)/html $(INSTALL_DOCDIR) \
               $(sort $(patsubst %/,%,$(dir $(EXAMPLE_FILES:examples/%=$(INSTALL_DOCDIR)/examples/%))))

.PHONY: install uninstall

install: $(BIN) docs/apivideo-watch.1
	$(call say,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)set -e; \
	case "$(PREFIX)" in /*) ;; *) echo "install: PREFIX must be an absolute path" >&2; exit 1;; esac; \
	if [ -n "$(DESTDIR)" ]; then mkdir -p "$(DESTDIR)"; fi; \
	created=""; \
	for dir in $(INSTALL_DIRS); do \
	    path=""; \
	    for part in $$(echo "$$dir" | tr / ' '); do \
	        path="$$path/$$part"; \
	        if [ ! -d "$(DESTDIR)$$path" ]; then \
	            mkdir -m 755 "$(DESTDIR)$$path"; created="$$created $$path"; \
	        fi; \
	    done; \
	done; \
	$(INSTALL) -m 755 $(BIN) "$(DESTDIR)$(INSTALL_BINDIR)/apivideo-watch"; \
	$(INSTALL) -m 644 $(TEMPLATES) "$(DESTDIR)$(INSTALL_DATADIR)/html/"; \
	$(INSTALL) -m 644 nginx.conf.example "$(DESTDIR)$(INSTALL_DOCDIR)/examples/"; \
	for f in $(EXAMPLE_FILES); do \
	    $(INSTALL) -m 644 "$$f" "$(DESTDIR)$(INSTALL_DOCDIR)/$$f"; \
	done; \
	$(INSTALL) -m 644 docs/apivideo-watch.1 "$(DESTDIR)$(INSTALL_MAN1DIR)/apivideo-watch.1"; \
	manifest="$(DESTDIR)$(INSTALL_MANIFEST)"; \
	{ if [ -f "$$manifest" ]; then cat "$$manifest"; fi; for d in $$created; do echo "$$d"; done; } \
	    | sort -u > "$$manifest.tmp"; \
	mv "$$manifest.tmp" "$$manifest"; chmod 644 "$$manifest"

# Folders deepest first (a parent sorts before its children, so reversed they come after).
uninstall:
	$(call say,RM,$(DESTDIR)$(PREFIX))
	$(Q)set -e; \
	manifest="$(DESTDIR)$(INSTALL_MANIFEST)"; \
	created=""; \
	if [ -f "$$manifest" ]; then created=$$(cat "$$manifest"); fi; \
	for f in $(INSTALLED_FILES); do rm -f "$(DESTDIR)$$f"; done; \
	for d in $$(printf '%s\n' $$created $(OWN_DIRS) | sort -ru); do \
	    if [ -d "$(DESTDIR)$$d" ]; then rmdir "$(DESTDIR)$$d" 2>/dev/null || true; fi; \
	done
