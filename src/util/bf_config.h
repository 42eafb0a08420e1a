/*
 * bf_config.h - the one place that sets feature macros.
 *
 * Every .c file of biofuse includes this header first, before any system
 * header, so that every translation unit sees the same large-file and GNU
 * feature set.
 */
#ifndef BF_CONFIG_H
#define BF_CONFIG_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif
#define FUSE_USE_VERSION 314

#define BF_VERSION "0.1.0"

#if defined(__GNUC__)
#define BF_MUST_CHECK	__attribute__((warn_unused_result))
#define BF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define BF_UNUSED	__attribute__((unused))
#else
#define BF_MUST_CHECK
#define BF_PRINTF(f, a)
#define BF_UNUSED
#endif

#endif
