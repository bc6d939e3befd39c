/**
 * Media (ver10/media): one fixed profile with video source, H.264 encoder and PTZ configuration.
 * Every video figure comes from `ctx.video`, the configuration the stream's encoder runs with.
 */
import { requiredText, SoapFault, type XmlNode, escapeXml as x } from '../soap.js';
import type { CameraContext, OperationHandler } from './context.js';
import { ptzConfigurationXml } from './ptz-service.js';

const ENCODER_TOKEN = 'video-encoder-config';

/** The running encoder as an ONVIF VideoEncoderConfiguration (GovLength = x264's key-int-max). */
function encoderXml(tag: string, ctx: CameraContext): string {
  const v = ctx.video;
  return `<${tag} token="${ENCODER_TOKEN}"><tt:Name>h264</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>${v.width}</tt:Width><tt:Height>${v.height}</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>${v.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>${v.bitrateKbps}</tt:BitrateLimit></tt:RateControl><tt:H264><tt:GovLength>${v.govLength}</tt:GovLength><tt:H264Profile>Baseline</tt:H264Profile></tt:H264><tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>0</tt:Port><tt:TTL>0</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast><tt:SessionTimeout>PT60S</tt:SessionTimeout></${tag}>`;
}

function profileXml(tag: string, ctx: CameraContext): string {
  const t = x(ctx.profileToken);
  const v = ctx.video;
  return `<${tag} token="${t}" fixed="true"><tt:Name>${t}</tt:Name><tt:VideoSourceConfiguration token="video-source-config"><tt:Name>video</tt:Name><tt:UseCount>1</tt:UseCount><tt:SourceToken>video-source</tt:SourceToken><tt:Bounds x="0" y="0" width="${v.width}" height="${v.height}"/></tt:VideoSourceConfiguration>${encoderXml('tt:VideoEncoderConfiguration', ctx)}${ptzConfigurationXml('tt:PTZConfiguration')}</${tag}>`;
}

function checkEncoderToken(body: XmlNode): void {
  const token = requiredText(body, 'ConfigurationToken');
  if (token !== ENCODER_TOKEN)
    throw new SoapFault('Sender', ['ter:InvalidArgVal', 'ter:NoConfig'], `no video encoder configuration ${token}`);
}

/**
 * What the encoder can be set to: only what it runs with (SetVideoEncoderConfiguration is not
 * served; the settings are the simulator's start options), so every range is that one value.
 */
function encoderOptionsXml(ctx: CameraContext): string {
  const v = ctx.video;
  const range = (n: number) => `<tt:Min>${n}</tt:Min><tt:Max>${n}</tt:Max>`;
  const h264 = `<tt:ResolutionsAvailable><tt:Width>${v.width}</tt:Width><tt:Height>${v.height}</tt:Height></tt:ResolutionsAvailable><tt:GovLengthRange>${range(v.govLength)}</tt:GovLengthRange><tt:FrameRateRange>${range(v.fps)}</tt:FrameRateRange><tt:EncodingIntervalRange>${range(1)}</tt:EncodingIntervalRange><tt:H264ProfilesSupported>Baseline</tt:H264ProfilesSupported>`;
  return `<trt:GetVideoEncoderConfigurationOptionsResponse><trt:Options><tt:QualityRange>${range(5)}</tt:QualityRange><tt:H264>${h264}</tt:H264><tt:Extension><tt:H264>${h264}<tt:BitrateRange>${range(v.bitrateKbps)}</tt:BitrateRange></tt:H264></tt:Extension></trt:Options></trt:GetVideoEncoderConfigurationOptionsResponse>`;
}

function checkProfile(body: XmlNode, ctx: CameraContext): void {
  const token = requiredText(body, 'ProfileToken');
  if (token !== ctx.profileToken) throw new SoapFault('Sender', ['ter:InvalidArgVal', 'ter:NoProfile'], `no profile ${token}`);
}

function mediaUri(tag: string, uri: string): string {
  return `<${tag}><trt:MediaUri><tt:Uri>${x(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></${tag}>`;
}

export const mediaOperations: Record<string, OperationHandler> = {
  GetProfiles: (_b, ctx) => `<trt:GetProfilesResponse>${profileXml('trt:Profiles', ctx)}</trt:GetProfilesResponse>`,
  GetProfile: (body, ctx) => {
    checkProfile(body, ctx);
    return `<trt:GetProfileResponse>${profileXml('trt:Profile', ctx)}</trt:GetProfileResponse>`;
  },
  GetVideoSources: (_b, ctx) =>
    `<trt:GetVideoSourcesResponse><trt:VideoSources token="video-source"><tt:Framerate>${ctx.video.fps}</tt:Framerate><tt:Resolution><tt:Width>${ctx.video.width}</tt:Width><tt:Height>${ctx.video.height}</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>`,
  GetVideoEncoderConfigurations: (_b, ctx) =>
    `<trt:GetVideoEncoderConfigurationsResponse>${encoderXml('trt:Configurations', ctx)}</trt:GetVideoEncoderConfigurationsResponse>`,
  GetVideoEncoderConfiguration: (body, ctx) => {
    checkEncoderToken(body);
    return `<trt:GetVideoEncoderConfigurationResponse>${encoderXml('trt:Configuration', ctx)}</trt:GetVideoEncoderConfigurationResponse>`;
  },
  GetVideoEncoderConfigurationOptions: (body, ctx) => {
    // Both tokens are optional; one given must be ours.
    if (body.ConfigurationToken !== undefined) checkEncoderToken(body);
    if (body.ProfileToken !== undefined) checkProfile(body, ctx);
    return encoderOptionsXml(ctx);
  },
  GetStreamUri: (body, ctx) => {
    checkProfile(body, ctx);
    if (ctx.urls.stream === null)
      throw new SoapFault('Receiver', ['ter:ActionNotSupported'], 'this camera was started without a video stream');
    return mediaUri('trt:GetStreamUriResponse', ctx.urls.stream);
  },
  GetSnapshotUri: (body, ctx) => {
    checkProfile(body, ctx);
    if (ctx.urls.snapshot === null)
      throw new SoapFault('Receiver', ['ter:ActionNotSupported'], 'this camera was started without snapshots');
    return mediaUri('trt:GetSnapshotUriResponse', ctx.urls.snapshot);
  },
};
