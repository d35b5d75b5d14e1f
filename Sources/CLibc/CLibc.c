// Everything of CLibc is inline in its header; SwiftPM wants a C target to have a source file.
#include "CLibc.h"
