"""Graph errors the sandbox answers with: one class per code/subcode, exact text, type and status.

The sandbox keeps its own table on purpose (it never reads the client's), so that a wrong client
mapping cannot pass by agreeing with itself. Texts follow graph-api.md §4, §6, §7; where that file
gives no exact text the message here is the sandbox's own and says so in the README.
"""

from __future__ import annotations

from typing import Any, ClassVar


class SandboxError(Exception):
    """A Graph error answer: HTTP status plus the `{"error": {...}}` body."""

    http_status: ClassVar[int] = 400
    code: ClassVar[int] = 100
    subcode: ClassVar[int | None] = None
    error_type: ClassVar[str] = "OAuthException"
    template: ClassVar[str] = "(#100) Invalid parameter"
    is_transient: ClassVar[bool] = False
    user_title: ClassVar[str | None] = None
    user_msg: ClassVar[str | None] = None

    def __init__(self, **fmt: Any) -> None:
        """Fill the message template with `fmt`."""
        self.message = self.template.format(**fmt)
        self.fmt = fmt
        self.headers: dict[str, str] = {}
        self.status_override: int | None = None
        self.extra: dict[str, Any] = {}
        super().__init__(self.message)

    @property
    def status(self) -> int:
        """HTTP status of the answer."""
        return self.status_override or self.http_status

    def body(self, fbtrace_id: str, *, instagram_host: bool = False) -> dict[str, Any]:
        """The JSON error body; `type` reads `IGApiException` on graph.instagram.com for code 100."""
        error_type = self.error_type
        if instagram_host and self.code == 100 and error_type == "OAuthException":
            error_type = "IGApiException"
        err: dict[str, Any] = {"message": self.message, "type": error_type, "code": self.code}
        if self.subcode is not None:
            err["error_subcode"] = self.subcode
        err["is_transient"] = self.is_transient
        if self.user_title:
            err["error_user_title"] = self.user_title
        if self.user_msg:
            err["error_user_msg"] = self.user_msg.format(**self.fmt)
        err.update(self.extra)
        err["fbtrace_id"] = fbtrace_id
        return {"error": err}


# --- paths, objects and fields -------------------------------------------------------------


class NonexistingField(SandboxError):
    """Unknown field in `fields=` (§3)."""

    template = "(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})"


class UnsupportedGetRequest(SandboxError):
    """Object does not exist, is not reachable with this token, or has gone (100/33)."""

    subcode = 33
    error_type = "GraphMethodException"
    template = (
        "Unsupported get request. Object with ID '{object_id}' does not exist, cannot be loaded due "
        "to missing permissions, or does not support this operation. Please read the Graph API "
        "documentation at https://developers.facebook.com/docs/graph-api"
    )


class UnsupportedPostRequest(UnsupportedGetRequest):
    """POST on an object that is missing or does not take that write (100/33)."""

    template = UnsupportedGetRequest.template.replace("get request", "post request")


class UnsupportedDeleteRequest(UnsupportedGetRequest):
    """DELETE on an object that is missing or cannot be deleted; the answer on the IG host (§6.3)."""

    template = UnsupportedGetRequest.template.replace("get request", "delete request")


class UnknownPathComponents(SandboxError):
    """Unknown edge or path (2500)."""

    code = 2500
    template = "Unknown path components: {path}"


class FieldSyntaxError(SandboxError):
    """Malformed `fields=` expression."""

    template = '(#100) Syntax error "{detail}" at character {position}: {expression}'


class MissingParameter(SandboxError):
    """A required parameter is absent."""

    template = "(#100) The parameter {name} is required"


class InvalidParameter(SandboxError):
    """A parameter has a value the endpoint does not take."""

    template = "(#100) {detail}"


class InvalidCursor(SandboxError):
    """An `after`/`before` cursor the sandbox did not issue."""

    template = "(#100) The cursor {cursor} is not valid"


class TooManyIds(SandboxError):
    """More than 50 ids in one `?ids=` read."""

    template = "(#100) Too many IDs. Maximum: 50. Provided: {count}."


# --- tokens and permissions ----------------------------------------------------------------


class AccessTokenRequired(SandboxError):
    """No token sent."""

    code = 104
    template = "An access token is required to request this resource."


class ActiveTokenRequired(SandboxError):
    """`/me` without a token (2500)."""

    code = 2500
    template = "An active access token must be used to query information about the current user."


class InvalidAccessToken(SandboxError):
    """Unknown, malformed or wrong-flavour token (190, no subcode)."""

    code = 190
    template = "Invalid OAuth access token - Cannot parse access token"


class ExpiredAccessToken(SandboxError):
    """Token past its expiry (190/463)."""

    code = 190
    subcode = 463
    template = "Error validating access token: Session has expired on {expired}. The current time is {now}."


class AppNotAuthorized(SandboxError):
    """The user removed the app (190/458)."""

    code = 190
    subcode = 458
    template = "Error validating access token: The user has not authorized application {app_id}."


class SessionInvalidated(SandboxError):
    """Password change or security reset (190/460)."""

    code = 190
    subcode = 460
    template = (
        "Error validating access token: The session has been invalidated because the user changed "
        "their password or Facebook has changed the session for security reasons."
    )


class AppsecretProofRequired(SandboxError):
    """The app requires an app secret proof and none came (§2.5)."""

    template = "API calls from the server require an appsecret_proof argument"


class InvalidAppsecretProof(SandboxError):
    """The proof does not match the token (§2.5)."""

    error_type = "GraphMethodException"
    template = "Invalid appsecret_proof provided in the API argument"


class PermissionDenied(SandboxError):
    """Token lacks an insights permission (10)."""

    code = 10
    http_status = 403
    template = "(#10) Application does not have permission for this action"


class MissingPermission(SandboxError):
    """Token lacks the permission a call needs (200); the message names it."""

    code = 200
    http_status = 403
    template = "(#200) Requires {permission} permission to manage the object"


class VideoContentNotFound(SandboxError):
    """`copyright_check_information` of a post whose video is gone (9005; §11). Fails a listing."""

    code = 9005
    template = "(#9005) Video content was not found."


class MethodOverrideRefused(SandboxError):
    """A `method=` override or a non-GET on `/debug_token`: refused for new apps since v27 (§11).

    The text is the sandbox's own; Meta's wording is not published.
    """

    template = "(#100) Method override is not supported for this app; call {path} with a plain GET"


class PageMediaPermission(SandboxError):
    """`/media` of a Page-linked account read without pages_read_engagement (100, no subcode; §11)."""

    template = (
        "(#100) Object does not exist, cannot be loaded due to missing permission or reviewable "
        "feature, or does not support this operation. This endpoint requires the "
        "'pages_read_engagement' permission or the 'Page Public Content Access' feature or the "
        "'Pages Read Engagement' feature."
    )


class UnreadableObject(SandboxError):
    """One object out of reach (100, no subcode): gone, restricted, or not readable (§11)."""

    template = (
        "(#100) Object does not exist, cannot be loaded due to missing permission or reviewable "
        "feature, or does not support this operation"
    )


class InvalidClientSecret(SandboxError):
    """Token endpoint called with a wrong app id or secret."""

    code = 101
    template = "Error validating client secret."


class InvalidVerificationCode(SandboxError):
    """Facebook code exchange with a bad or used code."""

    template = "(#100) Invalid verification code format."


class TokenTooYoungToRefresh(SandboxError):
    """`ig_refresh_token` on a token younger than 24 h (§2.1; text is the sandbox's own)."""

    template = "(#100) The access token can only be refreshed once it is at least 24 hours old"


class TokenNotRefreshable(SandboxError):
    """`ig_refresh_token` on a token that is not a long-lived Instagram user token."""

    template = "(#100) Only long-lived Instagram user access tokens can be refreshed"


class InstagramOAuthError(SandboxError):
    """api.instagram.com code exchange error: a different shape from Graph's (§2.2)."""

    template = "{detail}"

    def body(self, fbtrace_id: str, *, instagram_host: bool = False) -> dict[str, Any]:
        """`{"error_type", "code": 400, "error_message"}`, not a Graph error object."""
        return {"error_type": "OAuthException", "code": 400, "error_message": self.message}


# --- insights (§4) -------------------------------------------------------------------------


class UnknownMetric(SandboxError):
    """Metric name the version does not know; lists every valid name, unfiltered by type."""

    template = "(#100) metric[{index}] must be one of the following values: {valid}"


class MetricNotSupportedForProductType(SandboxError):
    """Known metric, wrong media product type."""

    template = (
        "(#100) The Media Insights API does not support the {metric} metric for this media "
        "product type."
    )


class ImpressionsRemovedInV22(SandboxError):
    """`impressions` on v22+ for images and carousels."""

    template = (
        "(#100) Starting from version v22.0 and above, the impressions metric is no longer "
        "supported for the queried media"
    )


class TotalValueRequired(SandboxError):
    """Total-value-only metrics asked without `metric_type=total_value`."""

    template = (
        "(#100) The following metrics ({metrics}) should be specified with parameter "
        "metric_type=total_value"
    )


class TimeSeriesOnly(SandboxError):
    """Time-series-only metrics asked with `metric_type=total_value` (text is the sandbox's own)."""

    template = (
        "(#100) The following metrics ({metrics}) do not support parameter metric_type=total_value"
    )


class PeriodNotSupported(SandboxError):
    """Metric asked with a period it lacks (text is the sandbox's own)."""

    template = "(#100) The metric ({metric}) does not support period ({period})"


class RangeTooLong(SandboxError):
    """since/until more than 30 days apart."""

    template = "(#100) There cannot be more than 30 days (2592000 s) between since and until"


class FollowerCountWindow(SandboxError):
    """`follower_count` outside the last 30 days, or including today."""

    template = (
        "(#100) (follower_count) metric only supports querying data for the last 30 days "
        "excluding the current day"
    )


class SinceNotValid(SandboxError):
    """`since` older than the insights history (2 years)."""

    template = "(#100) since param is not valid"


class UnsupportedBreakdown(SandboxError):
    """Breakdown a metric does not support: code 100 with both names (graph-api.md §11)."""

    template = "(#100) Incompatible breakdowns ({breakdown}) for metric ({metric})"


class TimeframeRequired(SandboxError):
    """Demographic metric without `timeframe`."""

    template = "(#100) The parameter timeframe is required for the metric ({metric})"


class InvalidTimeframe(SandboxError):
    """Demographic `timeframe` the metric does not take (text is the sandbox's own)."""

    template = "(#100) timeframe must be one of the following values: {valid}"


class NotEnoughFollowers(SandboxError):
    """Audience metric on an account under 100 followers (text is the sandbox's own)."""

    code = 10
    template = "(#10) The account needs at least 100 followers to see the {metric} metric"


class NotEnoughViewers(SandboxError):
    """Story insights with fewer than 5 viewers (§4.2)."""

    code = 10
    template = "(#10) Not enough viewers for the media to show insights"


class MediaPredatesConversion(SandboxError):
    """Media posted before the account became professional (100/2108006; text unconfirmed)."""

    subcode = 2108006
    template = (
        "(#100) Media posted before business account conversion cannot be queried for insights"
    )


class NoInsightsForChildren(SandboxError):
    """Carousel children have no insights (§3.4; text is the sandbox's own)."""

    template = "(#100) Insights are not available for carousel children media"


class NotSharedToFacebook(SandboxError):
    """`facebook_views`/`crossposted_views` on media not shared to Facebook (text is the sandbox's own)."""

    template = "(#100) The {metric} metric is only available for media shared to Facebook"


# --- publishing (§6.1) ---------------------------------------------------------------------


class MediaNotReady(SandboxError):
    """Publish before the container is FINISHED (9007/2207027)."""

    code = 9007
    subcode = 2207027
    template = "Media ID is not available"
    user_title = "Media not ready for publishing"
    user_msg = "The media is not ready for publishing, please wait for a moment"


class DailyPublishingLimit(SandboxError):
    """Quota used up (9/2207042)."""

    code = 9
    subcode = 2207042
    http_status = 403
    template = "Application request limit reached"
    user_title = "Reached daily publishing limit"
    user_msg = "You have reached the maximum number of posts that is allowed for 24 hours."


class ContainerLimit(SandboxError):
    """More than 400 containers in 24 h (text is the sandbox's own)."""

    code = 9
    http_status = 403
    template = (
        "(#9) The account has created the maximum of 400 media containers allowed in 24 hours"
    )


class MediaFetchFailed(SandboxError):
    """The media URL could not be fetched (9004/2207052)."""

    code = 9004
    subcode = 2207052
    template = "Only photo or video can be accepted as media type."
    user_title = "Media download has failed."
    user_msg = "The media could not be fetched from this uri: {url}"


class ImageFormatUnsupported(SandboxError):
    """Not a JPEG (36001/2207005)."""

    code = 36001
    subcode = 2207005
    template = "The image format is not supported."
    user_title = "Unsupported image format"
    user_msg = "The image format is not supported. Supported formats are: JPEG"


class CaptionTooLong(SandboxError):
    """Caption over 2,200 characters (36004/2207010)."""

    code = 36004
    subcode = 2207010
    template = "The caption is too long."
    user_title = "Caption too long"
    user_msg = "The caption exceeds the 2200 character limit."


class TooManyHashtags(SandboxError):
    """Caption with more than 30 hashtags (text is the sandbox's own)."""

    template = "(#100) The caption cannot contain more than 30 hashtags"


class TooManyMentions(SandboxError):
    """Caption with more than 20 @mentions (100/2207040)."""

    subcode = 2207040
    template = "(#100) The caption cannot contain more than 20 @ tags"


class UnknownMediaType(SandboxError):
    """media_type not accepted in this combination (100/2207023)."""

    subcode = 2207023
    template = "(#100) The media type {media_type} is not supported. {detail}"


class CarouselChildCount(SandboxError):
    """Carousel outside 2–10 children (100/2207028)."""

    subcode = 2207028
    template = "(#100) Carousels must have between 2 and 10 children; got {count}"


class InvalidCarouselChild(SandboxError):
    """A child id that is no ready carousel-item container of this account."""

    template = "(#100) The carousel child {child_id} is not a ready carousel item of this account"


class ContainerExpired(SandboxError):
    """Publish of a container older than 24 h (-2/2207020)."""

    code = -2
    subcode = 2207020
    template = "The media has expired."
    user_title = "Media expired"
    user_msg = "The media container expired; create a new one."


class ContainerFailed(SandboxError):
    """Publish of a container in ERROR (-1/2207001)."""

    code = -1
    subcode = 2207001
    template = "An unknown error occurred."
    user_title = "Media upload failed"


class AlreadyPublished(SandboxError):
    """Second publish of a PUBLISHED container (text is the sandbox's own)."""

    template = "(#100) The media container {container_id} has already been published"


class MediaTypeNotSupportedForDelete(SandboxError):
    """DELETE on an unsupported media type (-1/2207073)."""

    code = -1
    subcode = 2207073
    template = "Fatal"
    user_title = "Media Type Not Supported"
    user_msg = "The media type is not supported for this endpoint"


class UploadFailed(SandboxError):
    """rupload failure; the body shape is `debug_info`, not a Graph error."""

    template = "{detail}"

    def body(self, fbtrace_id: str, *, instagram_host: bool = False) -> dict[str, Any]:
        """`{"debug_info": {...}}` as rupload answers."""
        return {
            "debug_info": {
                "retriable": False,
                "type": "ProcessingFailedError",
                "message": self.message,
            }
        }


class UploadMismatch(UploadFailed):
    """A chunk that does not start where the received bytes end (retriable: resend from there)."""

    template = "Offset mismatch: expected offset {expected}, got {offset}"

    def body(self, fbtrace_id: str, *, instagram_host: bool = False) -> dict[str, Any]:
        """`debug_info` saying where the upload stands, in words only."""
        body = super().body(fbtrace_id, instagram_host=instagram_host)
        body["debug_info"].update(retriable=True, type="OffsetMismatchError")
        return body


# --- moderation (§6.2) ---------------------------------------------------------------------


class CommentsDisabled(SandboxError):
    """Comment on media whose comments are off (text is the sandbox's own)."""

    template = "(#100) Comments are disabled for this media"


class ReplyNotAllowed(SandboxError):
    """Reply to a reply or to a hidden comment (text is the sandbox's own)."""

    template = "(#100) {detail}"


class NotMediaOwner(SandboxError):
    """Delete of a comment on media the account does not own."""

    code = 200
    http_status = 403
    template = "(#200) Only the owner of the media can delete comments on it"


class BusinessDiscoveryNotFound(SandboxError):
    """Business discovery of a username that is not a public professional account."""

    code = 110
    subcode = 2207013
    template = "Invalid user id"
    user_title = "Cannot find User"
    user_msg = "The user with username: {username} cannot be found."


class HashtagLimitReached(SandboxError):
    """31st unique hashtag in 7 days (text is the sandbox's own)."""

    code = 18
    template = "(#18) This API call could not be completed: 30 unique hashtags per 7 days reached"


class HashtagNotAllowed(SandboxError):
    """Sensitive or emoji hashtag: Graph's generic error."""

    template = "(#100) Invalid parameter"


# --- rate limits (§7.3) and transient faults (§9.12) ---------------------------------------


class InstagramAccountThrottled(SandboxError):
    """BUC throttle (80002)."""

    code = 80002
    template = "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again."
    is_transient = True


class ApplicationRequestLimit(SandboxError):
    """Platform app-level limit (4)."""

    code = 4
    template = "(#4) Application request limit reached"
    is_transient = True


class UserRequestLimit(SandboxError):
    """Platform user-level limit (17)."""

    code = 17
    subcode = 2446079
    template = "(#17) User request limit reached"
    is_transient = True


class PageRequestLimit(SandboxError):
    """Page-level limit (32)."""

    code = 32
    template = "(#32) Page request limit reached"
    is_transient = True


class CustomRateLimit(SandboxError):
    """Custom rate limit (613)."""

    code = 613
    subcode = 1996
    template = "(#613) Calls to this api have exceeded the rate limit."
    is_transient = True


class TooManyRequests(SandboxError):
    """Plain HTTP 429 from an edge in front of Graph."""

    http_status = 429
    code = 4
    template = "(#4) Too many requests"
    is_transient = True


class UnknownServerError(SandboxError):
    """Code 1, transient."""

    http_status = 500
    code = 1
    template = "An unknown error occurred"
    is_transient = True


class ServiceUnavailable(SandboxError):
    """Code 2, transient."""

    http_status = 500
    code = 2
    template = "An unexpected error has occurred. Please retry your request later."
    is_transient = True


class ReduceData(SandboxError):
    """Code 1 on a heavy page (§4.4)."""

    http_status = 500
    code = 1
    template = "Please reduce the amount of data you're asking for, then retry your request"


class BatchTooLarge(SandboxError):
    """More than 50 operations in one batch (§5.1)."""

    template = "(#100) Too many requests in batch message. Maximum batch size is 50"


class BatchDependencyFailed(SandboxError):
    """An op whose `depends_on` op failed."""

    template = "(#100) The request depends on another request ({name}) that failed"


THROTTLE_ERRORS: dict[int, type[SandboxError]] = {
    4: ApplicationRequestLimit,
    17: UserRequestLimit,
    32: PageRequestLimit,
    613: CustomRateLimit,
    80002: InstagramAccountThrottled,
}
