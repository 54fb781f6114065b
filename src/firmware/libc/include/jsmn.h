/*
 * jsmn.h for the freestanding build: -nostdinc hides /usr/include, but jsmn
 * (Debian libjsmn-dev, installed by scripts/deps.sh) is header-only and needs
 * nothing beyond <stddef.h>, so the firmware build uses the system copy too.
 */
#include "/usr/include/jsmn.h"
