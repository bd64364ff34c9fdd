import { Token, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { DEFAULT_AMI_PARAMETERS, PARAMETER_NAME_PATTERN } from '../shared/ami-families';

/** The default AMI parameter map, and the image that follows it without redeploys. */
export class AmiParameters {
  /**
   * The default map from `family/architecture` to public SSM parameter name.
   */
  public static defaults(): { [key: string]: string } {
    return { ...DEFAULT_AMI_PARAMETERS };
  }

  /**
   * The conflict-free image for a group's launch template: `resolve:ssm:<parameter>`, resolved by EC2 at each
   * launch. The template then never holds an AMI id, so neither the refresher (which only replaces
   * instances) nor a later `cdk deploy` ever changes it, and no deploy can roll a group back to an older AMI.
   *
   * @param key a key of the parameter map, e.g. `amazon-linux-2023/arm64`
   * @param parameterName the parameter to follow instead of the default one for `key` (a golden AMI); it must
   * also be the map's value for `key` (`amiParameters`) so the refresher follows the same parameter
   */
  public static imageResolvedAtLaunch(key: string, parameterName?: string): ec2.IMachineImage {
    const name = parameterName ?? DEFAULT_AMI_PARAMETERS[key];
    if (!name) {
      throw new Error(`imageResolvedAtLaunch: '${key}' is not a key of the default AMI parameter map; give its parameterName, or use one of: ${Object.keys(DEFAULT_AMI_PARAMETERS).join(', ')}`);
    }
    if (!Token.isUnresolved(name) && !PARAMETER_NAME_PATTERN.test(name)) {
      throw new Error(`imageResolvedAtLaunch: parameterName '${name}' is not an SSM parameter name or ARN`);
    }
    const windows = key.startsWith('windows-');
    return ec2.MachineImage.resolveSsmParameterAtLaunch(name, {
      os: windows ? ec2.OperatingSystemType.WINDOWS : ec2.OperatingSystemType.LINUX,
      // Bottlerocket reads TOML settings, which the ECS capacity provider writes; others take a shell script.
      userData: windows ? ec2.UserData.forWindows() : key.startsWith('bottlerocket-') ? ec2.UserData.custom('') : ec2.UserData.forLinux(),
    });
  }

  private constructor() {}
}
