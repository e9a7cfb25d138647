/**
 * Routes one request frame to its handler after the version decisions of
 * protocols/kafka/README.md: the header-version choice, unknown keys and
 * versions, and the ApiVersions special case all happen here, once.
 */
#ifndef TRIB_KAFKA_DISPATCH_H
#define TRIB_KAFKA_DISPATCH_H

#include "kafka_req.h"
#include "trib_err.h"

/**
 * Routes @p req (req->frame holds the payload): ApiVersions above its
 * maximum gets the v0-format UNSUPPORTED_VERSION answer (KIP-511); an
 * unknown key, or a version outside the codec range, is refused with
 * TRIB_ERR_UNSUPPORTED (the caller closes the connection: the response
 * shape of such a version is unknown); a version inside the codec range
 * but outside the advertised one is decoded and answered with
 * UNSUPPORTED_VERSION in every item; everything else goes to its handler.
 * The request header is v2 for flexible versions, else v1.
 * Errors: as the handler; TRIB_ERR_INVALID for an unreadable header.
 * @thread kafka loop  @locks none
 */
trib_err_t kafka_dispatch(kafka_req_t *req) TRIB_MUST_CHECK;

#endif
