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
 * unknown key, or a version outside the codec range (the codecs cover
 * every version of the reference schemas, so: a newer one), gets its
 * correlation id and the int16 UNSUPPORTED_VERSION alone, as no response
 * shape is known, and the connection stays open; a version inside the codec range
 * but outside the advertised one is decoded and answered with
 * UNSUPPORTED_VERSION in every item; everything else goes to its handler.
 * The request header is v2 for flexible versions, else v1.
 * Errors: as the handler; TRIB_ERR_INVALID for an unreadable header.
 * @thread kafka loop  @locks none
 */
trib_err_t kafka_dispatch(kafka_req_t *req) TRIB_MUST_CHECK;

/** A request handler: decodes @p body (the request after its header) and answers @p req. */
typedef trib_err_t (*kafka_handler_fn)(kafka_req_t *req, wire_rd_t *body);

/**
 * The handler of API @p key from the generated table (kafka_handlers.c,
 * from protocols/kafka/api/NAME.def), or NULL. @thread any  @locks none
 */
kafka_handler_fn kafka_handler_for(int16_t key);

#endif
