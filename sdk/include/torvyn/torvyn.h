/*
 * Torvyn guest SDK — C API umbrella header. See abi.h (types, runtime, imports) and exports.h
 * (export adapters). C++ users include <torvyn/torvyn.hpp> instead.
 */
#ifndef TORVYN_TORVYN_H
#define TORVYN_TORVYN_H
#include "abi.h"
#include "exports.h"
#endif
